// "Did you mean ...?" as graphql-js appends it to unknown names: options within a lexical distance
// of 40% of the input's length (case changes and transpositions count as one edit), nearest first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rex::graphql {

std::vector<std::string_view> suggestion_list(std::string_view input, const std::vector<std::string_view>& options);
// " Did you mean \"a\", \"b\", or \"c\"?" (at most five), with `what` after "mean" when given; empty
// when there is nothing to suggest.
std::string did_you_mean(const std::vector<std::string_view>& suggestions, std::string_view what = {});

}  // namespace rex::graphql
