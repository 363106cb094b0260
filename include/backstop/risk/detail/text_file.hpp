// A whole text file read, and text cut into lines, with <cstdio> rather than iostreams: <fstream>
// or <sstream> alone takes g++ 12 about 0.4 s to parse (mostly what they share), in every
// translation unit that includes the lab, for two readers of returns files (docs/benchmarks.md,
// Compile time).
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace backstop::risk::detail {

// The file's bytes into `text`; false when it cannot be opened or read.
inline bool read_text_file(const std::string& path, std::string& text) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return false;
    text.clear();
    char buffer[1 << 14];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, got);
    const bool read_whole = std::ferror(file) == 0;
    std::fclose(file);
    return read_whole;
}

// The lines of a text, as std::getline gives them: split at '\n' (not kept), a last line without
// one included, nothing after a final '\n'.
class TextLines {
public:
    explicit TextLines(std::string_view text) : rest_(text) {}

    bool next(std::string_view& line) {
        if (rest_.empty()) return false;
        const std::size_t end = rest_.find('\n');
        line = rest_.substr(0, end);
        rest_ = end == std::string_view::npos ? std::string_view() : rest_.substr(end + 1);
        return true;
    }

private:
    std::string_view rest_;
};

}  // namespace backstop::risk::detail
