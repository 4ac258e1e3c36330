// The global functions: raise_exception, namespace, strftime_now, range, tojson, and the tests
// under their engine names (test_is_defined, ...). Also tojson and default, which are methods of
// several kinds too. There is no dict(), no len(), no cycler, no joiner: as in the engine.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "chord/jinja/args.hpp"
#include "chord/jinja/tests.hpp"
#include "chord/jinja/tojson.hpp"

namespace chord::jinja {

namespace globals {

// value|tojson(ensure_ascii=False, indent=None, separators=None, sort_keys=False)
inline Value tojson(Args& a) {
    a.expect_count(1, 5);
    const Value ascii = a.keyword_or_at("ensure_ascii", 1);
    const Value indent = a.keyword_or_at("indent", 2);
    const Value separators = a.keyword_or_at("separators", 3);
    const Value sort_keys = a.keyword_or_at("sort_keys", 4);
    JsonFormat format;
    if (indent.is(Kind::Int)) format.indent = static_cast<int>(indent.int_value());
    if (truthy(sort_keys)) throw RuntimeError("NotImplemented: tojson sort_keys=true not implemented");
    const bool ensure_ascii = truthy(ascii);
    const std::vector<Value> seps = separators.is_list() ? separators.list().items : std::vector<Value>();
    format.item_sep = !seps.empty() ? to_text(seps[0]).bytes : format.indent < 0 ? ", " : ",";
    format.key_sep = seps.size() > 1 ? to_text(seps[1]).bytes : ": ";
    std::string json = to_json(a.at(0), format, a.rt.limits.max_string_bytes);
    if (ensure_ascii) json = json_ensure_ascii(json);
    return a.rt.string(std::move(json));
}

// value|default(fallback, boolean=False): the fallback when the value is undefined or none (with
// boolean, when it is falsy).
inline Value default_value(Args& a) {
    a.expect_count(2, 3);
    const bool check_truth = truthy(a.keyword_or_at("boolean", 2));
    const Value& v = a.at(0);
    const bool missing = check_truth ? !truthy(v) : v.is_undefined() || v.is_none();
    return missing ? a.at(1) : v;
}

inline Value raise_exception(Args& a) {
    a.expect({Kind::String});
    throw Raised(a.at(0).str());
}

inline Value make_namespace(Args& a) {
    const std::shared_ptr<Dict> d = a.rt.dict();
    for (const Value& v : a.values) {
        if (!v.is(Kind::Kwarg)) throw RuntimeError("namespace() arguments must be kwargs");
        d->insert(v.kwarg().key, v.kwarg().value);
    }
    return Value::object(d);
}

// The calendar fields of a time in UTC (the civil-from-days algorithm: no time zone, no locale).
inline std::tm utc_calendar(std::time_t t) {
    const int64_t secs = static_cast<int64_t>(t);
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    static const int kDaysBefore[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    std::tm tm{};
    tm.tm_sec = static_cast<int>(rem % 60);
    tm.tm_min = static_cast<int>(rem / 60 % 60);
    tm.tm_hour = static_cast<int>(rem / 3600);
    tm.tm_mday = static_cast<int>(day);
    tm.tm_mon = static_cast<int>(month - 1);
    tm.tm_year = static_cast<int>(year - 1900);
    tm.tm_wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
    tm.tm_yday = kDaysBefore[month - 1] + static_cast<int>(day) - 1 + (leap && month > 2 ? 1 : 0);
    return tm;
}

// strftime_now(format): the render's time in UTC, through C's strftime; %Z is "UTC", %z "+0000".
// Like the engine: an empty result or one over 99 bytes is an error.
inline Value strftime_now(Args& a) {
    a.expect({Kind::String});
    const std::string& format = a.at(0).str();
    std::string fmt;
    for (size_t i = 0; i < format.size(); ++i) {
        if (format[i] == '%' && i + 1 < format.size()) {
            const char c = format[++i];
            if (c == 'Z') {
                fmt += "UTC";
            } else if (c == 'z') {
                fmt += "+0000";
            } else {
                fmt += '%';
                fmt += c;
            }
        } else {
            fmt += format[i];
        }
    }
    const std::tm tm = utc_calendar(a.rt.now);
    char buf[100];
    const size_t n = fmt.empty() ? 0 : std::strftime(buf, sizeof buf, fmt.c_str(), &tm);
    if (n == 0) throw RuntimeError("strftime_now: failed to format time");
    return a.rt.string(std::string(buf, n));
}

// range(stop), range(start, stop), range(start, stop, step)
inline Value range(Args& a) {
    a.expect_count(1, 3);
    a.expect({Kind::Int});
    int64_t start = 0, stop = 0, step = 1;
    if (a.count() == 1) {
        stop = as_int(a.at(0));
    } else {
        start = as_int(a.at(0));
        stop = as_int(a.at(1));
        if (a.count() == 3) step = as_int(a.at(2));
    }
    if (step == 0) throw RuntimeError("range() step argument must not be zero");
    // The count, in unsigned arithmetic so that no bound can overflow.
    const uint64_t span = step > 0 ? (stop > start ? static_cast<uint64_t>(stop) - static_cast<uint64_t>(start) : 0)
                                   : (start > stop ? static_cast<uint64_t>(start) - static_cast<uint64_t>(stop) : 0);
    const uint64_t stride = step > 0 ? static_cast<uint64_t>(step) : static_cast<uint64_t>(-(step + 1)) + 1;
    const uint64_t n = span == 0 ? 0 : (span - 1) / stride + 1;
    a.rt.check_items(n > SIZE_MAX ? SIZE_MAX : static_cast<size_t>(n));
    std::vector<Value> items;
    items.reserve(static_cast<size_t>(n));
    for (uint64_t k = 0; k < n; ++k)
        items.push_back(Value::integer(static_cast<int64_t>(static_cast<uint64_t>(start) + k * static_cast<uint64_t>(step))));
    return a.rt.array(std::move(items));
}

inline constexpr Builtin kGlobals[] = {
    {"raise_exception", raise_exception}, {"namespace", make_namespace}, {"strftime_now", strftime_now},
    {"range", range},                     {"tojson", tojson},
};

}  // namespace globals

// The global function `name`, or null.
inline BuiltinFn find_global(const std::string& name) {
    if (const BuiltinFn fn = find_builtin(globals::kGlobals, name)) return fn;
    static const std::string kTestPrefix = "test_is_";
    if (name.compare(0, kTestPrefix.size(), kTestPrefix) == 0) return find_test(name.substr(kTestPrefix.size()));
    return nullptr;
}

}  // namespace chord::jinja
