#include "table_printer.hpp"

#include <algorithm>
#include <cstdio>

namespace rex::cli {

namespace {

std::size_t display_width(const std::string& text) {
    std::size_t width = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++width;  // count UTF-8 lead bytes only
    return width;
}

void pad(std::ostream& out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out << ' ';
}

}  // namespace

std::string printable(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out;
}

void TablePrinter::add_row(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    for (auto& cell : cells) cell = printable(cell);
    rows_.push_back(std::move(cells));
}

void TablePrinter::print(std::ostream& out) const {
    std::vector<std::size_t> widths;
    for (const auto& h : headers_) widths.push_back(display_width(h));
    for (const auto& row : rows_)
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));

    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const bool right = i < right_aligned_.size() && right_aligned_[i];
            const auto fill = widths[i] - display_width(cells[i]);
            if (i) out << "  ";
            if (right) pad(out, fill);
            out << cells[i];
            if (!right && i + 1 < cells.size()) pad(out, fill);
        }
        out << '\n';
    };
    line(headers_);
    for (std::size_t i = 0; i < widths.size(); ++i) {
        if (i) out << "  ";
        out << std::string(widths[i], '-');
    }
    out << '\n';
    for (const auto& row : rows_) line(row);
}

}  // namespace rex::cli
