// Aligned text tables for terminals: widths by display characters (UTF-8 code points),
// control characters escaped so a cell never breaks the layout.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace rex::cli {

class TablePrinter {
public:
    explicit TablePrinter(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    // `right_aligned` per column (numbers read better right-aligned).
    void set_right_aligned(std::vector<bool> right_aligned) { right_aligned_ = std::move(right_aligned); }
    void add_row(std::vector<std::string> cells);
    void print(std::ostream& out) const;

private:
    std::vector<std::string> headers_;
    std::vector<bool> right_aligned_;
    std::vector<std::vector<std::string>> rows_;
};

// Escapes control characters (\n, \t, \0, ...) for one-line display.
std::string printable(const std::string& text);

}  // namespace rex::cli
