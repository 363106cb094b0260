// A sign on a line of text: refused where fmt checks the format string, at compile time.
#include <backstop/core/format.hpp>
using namespace backstop;
int main() {
#ifdef BACKSTOP_COMPILE_FAIL
    const std::string text = fmt::format(FMT_STRING("{:+}"), ErrorCode::overflow);
#else
    const std::string text = fmt::format(FMT_STRING("{:*>12}"), ErrorCode::overflow);
#endif
    return text.empty() ? 1 : 0;
}
