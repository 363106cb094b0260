// A small SVG plot for the report: linear axes with round ticks, lines, bands, bars, markers with
// error bars, reference lines, written as inline SVG (no script, no fonts to fetch). Coordinates
// are data values; the plot maps them into its frame.
//
// Labels never overlap: every text the plot writes is placed through place_text(), which keeps
// the boxes already placed (tick labels first) and moves a new label, a line at a time down or up
// and then sideways, until its box meets none of them. A box is estimated from the font size and
// the number of characters (0.62 em a character, generous for the sans-serif fonts browsers pick,
// so that a browser's real box is inside the estimate); the browser test measures the real boxes.
// The legend sits under the plot, outside the frame, so it covers neither data nor labels.
// Axis labels carry their unit in parentheses and the classes "axis-label x" / "axis-label y".
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace backstop {
namespace risk {

struct AxisRange {
    double low = 0.0;
    double high = 1.0;
};

// Round tick positions covering [low, high]: steps of 1, 2 or 5 times a power of ten.
inline std::vector<double> nice_ticks(AxisRange range, int approximate_count = 5) {
    const double span = range.high - range.low;
    if (!(span > 0.0) || !std::isfinite(span)) return {range.low};
    const double raw = span / std::max(1, approximate_count);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    double step = power;
    for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
        step = factor * power;
        if (step >= raw) break;
    }
    std::vector<double> ticks;
    for (double t = std::ceil(range.low / step) * step; t <= range.high + 1e-9 * span; t += step) {
        ticks.push_back(std::fabs(t) < 1e-12 * span ? 0.0 : t);
    }
    return ticks;
}

// 1234567 -> "1.23M", 0.05 -> "0.05": short tick labels.
inline std::string short_number(double x) {
    const double a = std::fabs(x);
    if (a >= 1e9) return fmt::format("{:.3g}B", x / 1e9);
    if (a >= 1e6) return fmt::format("{:.3g}M", x / 1e6);
    if (a >= 1e4) return fmt::format("{:.3g}k", x / 1e3);
    return fmt::format("{:.3g}", x);
}

// 0.05 -> "5%", 0.125 -> "12.5%": tick labels of a probability axis.
inline std::string short_percent(double p) { return fmt::format("{:.3g}%", 100.0 * p); }

inline std::string xml_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// A text's box in the SVG's coordinates.
struct TextBox {
    double left = 0.0, top = 0.0, right = 0.0, bottom = 0.0;
    bool meets(const TextBox& o) const { return left < o.right && o.left < right && top < o.bottom && o.top < bottom; }
};

// Characters of UTF-8 text (a multi-byte character is one glyph wide).
inline std::size_t glyph_count(std::string_view text) {
    std::size_t n = 0;
    for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u ? 1u : 0u;
    return n;
}

// The box of a text whose baseline starts (anchor "start"), centres ("middle") or ends ("end")
// at (x, y): ascent about 0.95 em above the baseline, descent 0.3 em below, with a pixel of margin.
inline TextBox estimate_text_box(double x, double y, std::string_view text, double size, std::string_view anchor) {
    const double width = 0.62 * size * static_cast<double>(glyph_count(text));
    const double left = anchor == "end" ? x - width : anchor == "middle" ? x - width / 2.0 : x;
    return TextBox{left - 1.0, y - 0.95 * size - 1.0, left + width + 1.0, y + 0.3 * size + 1.0};
}

enum class TickFormat : std::uint8_t { number, percent };
enum class MarkerShape : std::uint8_t { circle, square, triangle, diamond, cross };

class SvgPlot {
public:
    SvgPlot(AxisRange x, AxisRange y, std::string x_label, std::string y_label, TickFormat x_format = TickFormat::number,
            TickFormat y_format = TickFormat::number, double width = 640.0, double height = 360.0)
        : x_(x), y_(y), width_(width), height_(height) {
        if (!(x_.high > x_.low)) x_.high = x_.low + 1.0;
        if (!(y_.high > y_.low)) y_.high = y_.low + 1.0;
        axes(x_label, y_label, x_format, y_format);
    }

    double px(double x) const { return left_ + (x - x_.low) / (x_.high - x_.low) * (width_ - left_ - right_); }
    double py(double y) const { return height_ - bottom_ - (y - y_.low) / (y_.high - y_.low) * (height_ - top_ - bottom_); }

    void line(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view stroke,
              double stroke_width = 1.5, std::string_view dash = {}) {
        std::string points;
        for (std::size_t i = 0; i < std::min(xs.size(), ys.size()); ++i) {
            points += fmt::format("{:.1f},{:.1f} ", px(xs[i]), py(clamp_y(ys[i])));
        }
        body_ += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="{}"{} points="{}"/>)", stroke,
                             stroke_width, dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", dash), points);
        body_ += "\n";
    }
    // The area between two curves over the same xs.
    void band(const std::vector<double>& xs, const std::vector<double>& low, const std::vector<double>& high,
              std::string_view fill, double opacity) {
        std::string points;
        for (std::size_t i = 0; i < xs.size(); ++i) points += fmt::format("{:.1f},{:.1f} ", px(xs[i]), py(clamp_y(high[i])));
        for (std::size_t i = xs.size(); i-- > 0;) points += fmt::format("{:.1f},{:.1f} ", px(xs[i]), py(clamp_y(low[i])));
        body_ += fmt::format(R"(<polygon fill="{}" fill-opacity="{}" stroke="none" points="{}"/>)", fill, opacity, points);
        body_ += "\n";
    }
    void bar(double x_low, double x_high, double y, std::string_view fill, std::string_view title) {
        const double top = py(clamp_y(y));
        body_ += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{}</title></rect>)",
                             px(x_low), top, std::max(0.5, px(x_high) - px(x_low) - 0.5), py(y_.low) - top, fill,
                             xml_escape(title));
        body_ += "\n";
    }
    // A vertical error bar from low to high at x, shifted dx pixels (to set apart series that
    // share an x), with caps.
    void error_bar(double x, double low, double high, std::string_view stroke, double dx = 0.0) {
        const double cx = px(x) + dx;
        const double y0 = py(clamp_y(low));
        const double y1 = py(clamp_y(high));
        body_ += fmt::format(R"(<path d="M{0:.1f},{1:.1f}V{2:.1f}M{3:.1f},{1:.1f}H{4:.1f}M{3:.1f},{2:.1f}H{4:.1f}" stroke="{5}" stroke-width="1.2" fill="none"/>)",
                             cx, y0, y1, cx - 4.0, cx + 4.0, stroke);
        body_ += "\n";
    }
    void marker(double x, double y, MarkerShape shape, double radius, std::string_view fill, std::string_view stroke,
                std::string_view title, double dx = 0.0) {
        body_ += marker_svg(px(x) + dx, py(clamp_y(y)), shape, radius, fill, stroke, title);
        body_ += "\n";
    }
    void point(double x, double y, double radius, std::string_view fill, std::string_view stroke, std::string_view title) {
        marker(x, y, MarkerShape::circle, radius, fill, stroke, title);
    }
    // A reference line at x: its label at the top of the frame, beside the line, and a tick on the
    // x axis in the line's colour, so the value can be read on the axis.
    void vertical(double x, std::string_view stroke, std::string_view label, std::string_view dash = "5,3") {
        if (x < x_.low || x > x_.high) return;
        const double cx = px(x);
        body_ += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="{3}" stroke-width="1.5" stroke-dasharray="{4}"/>)",
                             cx, py(y_.low), py(y_.high), stroke, dash);
        body_ += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="{3}" stroke-width="3"/>)",
                             cx, py(y_.low) - 5.0, py(y_.low) + 5.0, stroke);
        body_ += "\n";
        // Right of the line when there is room, else left of it.
        const bool right_side = cx + 6.0 + 0.62 * 11.0 * static_cast<double>(glyph_count(label)) < px(x_.high);
        place_text(right_side ? cx + 4.0 : cx - 4.0, py(y_.high) + 14.0, label, 11.0, right_side ? "start" : "end", stroke,
                   "marker-label", {Move::down, Move::sideways});
    }
    void horizontal(double y, std::string_view stroke, std::string_view label, std::string_view dash = "5,3") {
        if (y < y_.low || y > y_.high) return;
        body_ += fmt::format(R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="{2:.1f}" y2="{2:.1f}" stroke="{3}" stroke-width="1.5" stroke-dasharray="{4}"/>)",
                             px(x_.low), px(x_.high), py(y), stroke, dash);
        body_ += "\n";
        place_text(px(x_.high) - 4.0, py(y) - 4.0, label, 11.0, "end", stroke, "marker-label", {Move::sideways, Move::up});
    }
    // A label next to a data point (e.g. "this market"), moved off any other label.
    void annotate(double x, double y, std::string_view label, std::string_view fill, double dx = 0.0) {
        place_text(px(x) + dx + 9.0, py(clamp_y(y)) - 6.0, label, 11.0, "start", fill, "annotation",
                   {Move::up, Move::down, Move::sideways});
    }
    // A legend entry under the plot; entries flow left to right and wrap.
    void legend(std::string_view color, std::string_view label, MarkerShape shape = MarkerShape::square) {
        legend_.push_back(LegendEntry{std::string(color), std::string(label), shape});
    }

    std::string svg(std::string_view title) const {
        // The legend, in rows under the x axis label.
        std::string legend;
        double x = left_;
        double y = height_ + 6.0;
        int rows = legend_.empty() ? 0 : 1;
        for (const LegendEntry& e : legend_) {
            const double w = 22.0 + 0.62 * 11.0 * static_cast<double>(glyph_count(e.label)) + 14.0;
            if (x + w > width_ - 4.0 && x > left_) {
                x = left_;
                y += 16.0;
                ++rows;
            }
            legend += e.shape == MarkerShape::square
                          ? fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="12" height="9" fill="{}"/>)", x, y + 1.0, e.color)
                          : marker_svg(x + 6.0, y + 5.5, e.shape, 4.5, e.color, "#333", "");
            legend += fmt::format(R"(<text class="legend" x="{:.1f}" y="{:.1f}" font-size="11">{}</text>)", x + 18.0,
                                  y + 9.5, xml_escape(e.label));
            legend += "\n";
            x += w;
        }
        const double total_height = height_ + (rows > 0 ? 10.0 + 16.0 * rows : 0.0);
        return fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}" font-family="sans-serif">)",
                           width_, total_height, width_, total_height, xml_escape(title)) +
               std::string("\n") + axes_ + body_ + labels_ + legend + "</svg>";
    }

private:
    enum class Move : std::uint8_t { up, down, sideways };
    struct LegendEntry {
        std::string color;
        std::string label;
        MarkerShape shape;
    };

    static std::string marker_svg(double cx, double cy, MarkerShape shape, double r, std::string_view fill,
                                  std::string_view stroke, std::string_view title) {
        const std::string tip = title.empty() ? std::string() : fmt::format("<title>{}</title>", xml_escape(title));
        const std::string paint = fmt::format(R"(fill="{}" stroke="{}" stroke-width="1.5")", fill, stroke);
        switch (shape) {
            case MarkerShape::square:
                return fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" {}>{}</rect>)", cx - r * 0.9,
                                   cy - r * 0.9, 1.8 * r, 1.8 * r, paint, tip);
            case MarkerShape::triangle:
                return fmt::format(R"(<path d="M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z" {}>{}</path>)", cx, cy - 1.2 * r,
                                   cx + 1.1 * r, cy + 0.8 * r, cx - 1.1 * r, cy + 0.8 * r, paint, tip);
            case MarkerShape::diamond:
                return fmt::format(R"(<path d="M{0:.1f},{1:.1f}L{2:.1f},{3:.1f}L{0:.1f},{4:.1f}L{5:.1f},{3:.1f}Z" {6}>{7}</path>)",
                                   cx, cy - 1.25 * r, cx + 1.25 * r, cy, cy + 1.25 * r, cx - 1.25 * r, paint, tip);
            case MarkerShape::cross:
                return fmt::format(R"(<path d="M{:.1f},{:.1f}l{:.1f},{:.1f}m0,{:.1f}l{:.1f},{:.1f}" stroke="{}" stroke-width="2.5" fill="none">{}</path>)",
                                   cx - r, cy - r, 2 * r, 2 * r, -2 * r, -2 * r, 2 * r, fill, tip);
            case MarkerShape::circle:
            default:
                return fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}" {}>{}</circle>)", cx, cy, r, paint, tip);
        }
    }

    // Writes a text at (x, y), or at the nearest position (a line at a time in the allowed
    // directions, then sideways by its own width) where it meets no placed text and stays inside
    // the picture. Gives up after many tries and writes it where it was asked (the browser test
    // would then fail, which is the point).
    void place_text(double x, double y, std::string_view text, double size, std::string_view anchor, std::string_view fill,
                    std::string_view css_class, std::vector<Move> moves) {
        const double line = 1.3 * size;
        const double width = 0.62 * size * static_cast<double>(glyph_count(text));
        const bool up = std::find(moves.begin(), moves.end(), Move::up) != moves.end();
        const bool down = std::find(moves.begin(), moves.end(), Move::down) != moves.end();
        const bool sideways = std::find(moves.begin(), moves.end(), Move::sideways) != moves.end();
        std::vector<double> dys{0.0};
        for (int k = 1; k <= 12; ++k) {
            if (down) dys.push_back(k * line);
            if (up) dys.push_back(-k * line);
        }
        std::vector<double> dxs{0.0};
        if (sideways) {
            for (int k = 1; k <= 6; ++k) {
                dxs.push_back(-k * (width / 2.0 + 4.0));
                dxs.push_back(k * (width / 2.0 + 4.0));
            }
        }
        double best_x = x, best_y = y;
        bool found = false;
        for (const double dx : dxs) {
            for (const double dy : dys) {
                const TextBox box = estimate_text_box(x + dx, y + dy, text, size, anchor);
                if (box.left < 0.0 || box.right > width_ || box.top < 0.0 || box.bottom > height_) continue;
                if (std::none_of(placed_.begin(), placed_.end(), [&](const TextBox& p) { return p.meets(box); })) {
                    best_x = x + dx;
                    best_y = y + dy;
                    found = true;
                    break;
                }
            }
            if (found) break;
        }
        placed_.push_back(estimate_text_box(best_x, best_y, text, size, anchor));
        // Drawn over the data, with a halo so it reads over lines and bars.
        labels_ += fmt::format(R"(<text class="{}" x="{:.1f}" y="{:.1f}" font-size="{}" fill="{}" text-anchor="{}" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>)",
                               css_class, best_x, best_y, size, fill, anchor, xml_escape(text));
        labels_ += "\n";
    }

    // Grid, frame, tick labels and axis labels; their boxes are the first placed.
    void axes(const std::string& x_label, const std::string& y_label, TickFormat x_format, TickFormat y_format) {
        const auto tick_text = [](double t, TickFormat f) { return f == TickFormat::percent ? short_percent(t) : short_number(t); };
        for (const double t : nice_ticks(x_)) {
            const std::string text = tick_text(t, x_format);
            axes_ += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#e5e5e5"/><text class="tick x" x="{0:.1f}" y="{3:.1f}" font-size="11" text-anchor="middle">{4}</text>)",
                                 px(t), py(y_.low), py(y_.high), py(y_.low) + 16, text);
            axes_ += "\n";
            placed_.push_back(estimate_text_box(px(t), py(y_.low) + 16, text, 11.0, "middle"));
        }
        for (const double t : nice_ticks(y_)) {
            const std::string text = tick_text(t, y_format);
            axes_ += fmt::format(R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="{2:.1f}" y2="{2:.1f}" stroke="#e5e5e5"/><text class="tick y" x="{3:.1f}" y="{4:.1f}" font-size="11" text-anchor="end">{5}</text>)",
                                 px(x_.low), px(x_.high), py(t), px(x_.low) - 6, py(t) + 4, text);
            axes_ += "\n";
            placed_.push_back(estimate_text_box(px(x_.low) - 6, py(t) + 4, text, 11.0, "end"));
        }
        axes_ += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="none" stroke="#888"/>)",
                             left_, top_, width_ - left_ - right_, height_ - top_ - bottom_);
        axes_ += "\n";
        const double x_middle = (left_ + width_ - right_) / 2;
        axes_ += fmt::format(R"(<text class="axis-label x" x="{:.1f}" y="{:.1f}" font-size="12" text-anchor="middle">{}</text>)",
                             x_middle, height_ - 8, xml_escape(x_label));
        axes_ += "\n";
        placed_.push_back(estimate_text_box(x_middle, height_ - 8, x_label, 12.0, "middle"));
        const double y_middle = (top_ + height_ - bottom_) / 2;
        axes_ += fmt::format(R"svg(<text class="axis-label y" x="14" y="{0:.1f}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {0:.1f})">{1}</text>)svg",
                             y_middle, xml_escape(y_label));
        axes_ += "\n";
        // Rotated: a column at the left edge.
        const double half = 0.62 * 12.0 * static_cast<double>(glyph_count(y_label)) / 2.0 + 1.0;
        placed_.push_back(TextBox{14.0 - 0.95 * 12.0 - 1.0, y_middle - half, 14.0 + 0.3 * 12.0 + 1.0, y_middle + half});
        // The frame's top edge: labels stay below it.
        placed_.push_back(TextBox{0.0, -100.0, width_, top_});
    }

    double clamp_y(double y) const { return std::clamp(y, y_.low, y_.high); }

    AxisRange x_, y_;
    double width_, height_;
    double left_ = 70.0, right_ = 16.0, top_ = 12.0, bottom_ = 44.0;
    std::string axes_, body_, labels_;
    std::vector<TextBox> placed_;
    std::vector<LegendEntry> legend_;
};

}  // namespace risk
}  // namespace backstop
