// A small SVG plot for the report: linear axes with round ticks, lines, bands, bars, points and
// markers, written as inline SVG (no script, no fonts to fetch). Coordinates are data values; the
// plot maps them into its frame.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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

class SvgPlot {
public:
    SvgPlot(AxisRange x, AxisRange y, std::string x_label, std::string y_label, double width = 640.0,
            double height = 360.0)
        : x_(x), y_(y), x_label_(std::move(x_label)), y_label_(std::move(y_label)), width_(width), height_(height) {
        if (!(x_.high > x_.low)) x_.high = x_.low + 1.0;
        if (!(y_.high > y_.low)) y_.high = y_.low + 1.0;
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
    void point(double x, double y, double radius, std::string_view fill, std::string_view stroke, std::string_view title) {
        body_ += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}" stroke="{}" stroke-width="1.5"><title>{}</title></circle>)",
                             px(x), py(clamp_y(y)), radius, fill, stroke, xml_escape(title));
        body_ += "\n";
    }
    void vertical(double x, std::string_view stroke, std::string_view label, std::string_view dash = "5,3") {
        if (x < x_.low || x > x_.high) return;
        body_ += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="{3}" stroke-width="1.5" stroke-dasharray="{4}"/>)",
                             px(x), py(y_.low), py(y_.high), stroke, dash);
        body_ += fmt::format(R"svg(<text x="{:.1f}" y="{:.1f}" font-size="11" fill="{}" text-anchor="end" transform="rotate(-90 {:.1f} {:.1f})">{}</text>)svg",
                             px(x) - 4, py(y_.high) + 6, stroke, px(x) - 4, py(y_.high) + 6, xml_escape(label));
        body_ += fmt::format("\n");
    }
    void horizontal(double y, std::string_view stroke, std::string_view label, std::string_view dash = "5,3") {
        if (y < y_.low || y > y_.high) return;
        body_ += fmt::format(R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="{2:.1f}" y2="{2:.1f}" stroke="{3}" stroke-width="1.5" stroke-dasharray="{4}"/>)",
                             px(x_.low), px(x_.high), py(y), stroke, dash);
        body_ += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="11" fill="{}" text-anchor="end">{}</text>)",
                             px(x_.high) - 4, py(y) - 4, stroke, xml_escape(label));
        body_ += "\n";
    }
    void legend(std::string_view color, std::string_view label) {
        const double y = top_ + 14.0 * static_cast<double>(legend_count_++) + 6.0;
        body_ += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="12" height="8" fill="{}"/><text x="{:.1f}" y="{:.1f}" font-size="11">{}</text>)",
                             left_ + 10, y, color, left_ + 26, y + 8, xml_escape(label));
        body_ += "\n";
    }

    std::string svg(std::string_view title) const {
        std::string axes;
        for (const double t : nice_ticks(x_)) {
            axes += fmt::format(R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#e5e5e5"/><text x="{0:.1f}" y="{3:.1f}" font-size="11" text-anchor="middle">{4}</text>)",
                                px(t), py(y_.low), py(y_.high), py(y_.low) + 16, short_number(t));
            axes += "\n";
        }
        for (const double t : nice_ticks(y_)) {
            axes += fmt::format(R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="{2:.1f}" y2="{2:.1f}" stroke="#e5e5e5"/><text x="{3:.1f}" y="{4:.1f}" font-size="11" text-anchor="end">{5}</text>)",
                                px(x_.low), px(x_.high), py(t), px(x_.low) - 6, py(t) + 4, short_number(t));
            axes += "\n";
        }
        axes += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="none" stroke="#888"/>)",
                            left_, top_, width_ - left_ - right_, height_ - top_ - bottom_);
        axes += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="12" text-anchor="middle">{}</text>)",
                            (left_ + width_ - right_) / 2, height_ - 8, xml_escape(x_label_));
        axes += fmt::format(R"svg(<text x="14" y="{0:.1f}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {0:.1f})">{1}</text>)svg",
                            (top_ + height_ - bottom_) / 2, xml_escape(y_label_));
        return fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}" font-family="sans-serif">)",
                           width_, height_, width_, height_, xml_escape(title)) +
               std::string("\n") + axes + std::string("\n") + body_ + "</svg>";
    }

private:
    double clamp_y(double y) const { return std::clamp(y, y_.low, y_.high); }

    AxisRange x_, y_;
    std::string x_label_, y_label_;
    double width_, height_;
    double left_ = 70.0, right_ = 16.0, top_ = 12.0, bottom_ = 44.0;
    std::string body_;
    int legend_count_ = 0;
};

}  // namespace risk
}  // namespace backstop
