// The Jinja interpreter for chat templates (include/chord/jinja): each language feature, the
// engine's quirks that real templates meet, errors, and hostile templates.
//
// Every expected text in the tables below is what llama.cpp's engine (common/jinja at 3f545becc)
// renders for the same template and variables; each was checked against it. llama.cpp is the
// reference, not Python's Jinja: where the two part ways, the case's name says what the engine does.
#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "chord/jinja/template.hpp"

namespace chord {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::time_t kNow = 1767323045;  // 2026-01-02T03:04:05Z

std::string render(const std::string& source, const Json& context = Json::object(), const jinja::Limits& limits = {}) {
    return jinja::Template(source, limits).render(context, kNow);
}

// The error a template gives, parsing or rendering; fails the test when there is none.
Error render_error(const std::string& source, const Json& context = Json::object(), const jinja::Limits& limits = {}) {
    try {
        const std::string out = render(source, context, limits);
        ADD_FAILURE() << "rendered without error: " << out.substr(0, 200);
    } catch (const Error& e) {
        return e;
    }
    return Error(ErrorCode::Malformed, "");
}

struct RenderCase {
    const char* name;
    const char* source;
    const char* context;  // JSON, or "" for none
    const char* expected;
};

template <size_t N>
void expect_renders(const RenderCase (&cases)[N]) {
    for (const RenderCase& c : cases) {
        SCOPED_TRACE(std::string(c.name) + "\n  template: " + Json(c.source).dump());
        try {
            const Json context = *c.context ? Json::parse(c.context) : Json::object();
            EXPECT_EQ(render(c.source, context), c.expected);
        } catch (const Error& e) {
            ADD_FAILURE() << "error: " << e.what();
        }
    }
}

// clang-format off
const RenderCase kWhitespace[] = {
    {"trim_blocks drops the newline after a block tag",
     "{% if true %}\nhello\n{% endif %}\n",
     "",
     "hello\n"},
    {"lstrip_blocks drops the indentation before a block tag",
     "    {% if true %}\n    hello\n    {% endif %}\n",
     "",
     "    hello\n"},
    {"a for loop on its own lines",
     "{% for i in items %}\n{{ i }}\n{% endfor %}\n",
     R"({"items": [1, 2, 3]})",
     "1\n2\n3\n"},
    {"dashes strip all whitespace on their side",
     "  {%- if true -%}  \nhello\n  {%- endif -%}  \n",
     "",
     "hello"},
    {"dashes on expressions",
     "  {{- 'hello' -}}  \n",
     "",
     "hello"},
    {"no newline is trimmed after an expression",
     "{{ 'a' }}\n{{ 'b' }}",
     "",
     "a\nb"},
    {"a comment trims like a block",
     "<a{# c #}\nb {#- c -#}   c",
     "",
     "<abc"},
    {"one trailing newline of the template is dropped",
     "x\n\n",
     "",
     "x\n"},
    {"CRLF and CR become LF",
     "a\r\nb\rc",
     "",
     "a\nb\nc"},
    {"lstrip only at the start of a line",
     "ab\nx  {% if true %}y{% endif %}",
     "",
     "ab\nx  y"},
    {"the engine drops a first character followed by spaces before a tag",
     "a  {% if true %}y{% endif %}",
     "",
     "y"},
    {"and a first character right before a tag",
     "a{% if true %}y{% endif %}|ab{% if true %}y{% endif %}",
     "",
     "y|aby"},
    {"expressions are not lstripped",
     "  {{ 'x' }}",
     "",
     "  x"},
    {"set on its own line leaves nothing",
     "{% set x = 'a' %}\n{{ x }}",
     "",
     "a"},
};

const RenderCase kPrinting[] = {
    {"numbers",
     "{{ 42 }}|{{ 3.14 }}|{{ -1 }}|{{ -1.0 }}|{{ 2.50 }}",
     "",
     "42|3.14|-1|-1.0|2.5"},
    {"booleans print capitalised",
     "{{ true }}|{{ False }}",
     "",
     "True|False"},
    {"none, undefined and objects print nothing",
     "[{{ none }}][{{ missing }}][{{ {'a': 1} }}]",
     "",
     "[][][]"},
    {"an array prints its items one after another",
     "{{ [1, 'a', none, [2, 3]] }}",
     "",
     "1a23"},
    {"string conversion is Python's repr",
     "{{ [1, 'a', none, 1.5, true, (1, 2), {'k': none}]|string }}",
     "",
     "[1, 'a', None, 1.5, True, (1, 2), {'k': None}]"},
    {"a quote in an item is JSON-quoted",
     "{{ [\"it's\"]|string }}",
     "",
     "[\"it's\"]"},
    {"an undefined item names its variable",
     "{{ [missing]|string }}",
     "",
     "[Undefined (hint: 'missing')]"},
    {"float arithmetic prints without trailing zeros",
     "{{ 0.1 + 0.2 }}|{{ 2 * 3.0 }}|{{ 100.0 }}|{{ 1 / 3 }}",
     "",
     "0.3|6.0|100.0|0.333333"},
    {"adjacent string literals join",
     "{{ 'a' 'b' \"c\" }}",
     "",
     "abc"},
    {"string escapes",
     "{{ 'a\\'b' }}|{{ \"a\\\"b\" }}|{{ 'x\\ty' }}",
     "",
     "a'b|a\"b|x\ty"},
};

const RenderCase kOperators[] = {
    {"arithmetic",
     "{{ 1 + 2 }}|{{ 1.5 + 1 }}|{{ 7 / 2 }}|{{ 6 / 2 }}|{{ 7 % 3 }}|{{ 7.5 % 2 }}|{{ (2 + 3) * 4 }}",
     "",
     "3|2.5|3.5|3.0|1|1.5|20"},
    {"a minus after a value is binary",
     "{{ x - 1 }}|{{ x-1 }}|{{ (x) -1 }}",
     R"({"x": 5})",
     "4|4|4"},
    {"concatenation with ~ and +",
     "{{ 'a' ~ 1 ~ true }}|{{ 'a' + 1 }}|{{ 1 + 'a' }}",
     "",
     "a1True|a1|1a"},
    {"none and undefined join strings as empty",
     "{{ 'x' ~ none }}|{{ missing + 'y' }}",
     "",
     "x|y"},
    {"string repetition",
     "{{ 'ab' * 3 }}|{{ 3 * 'ab' }}|[{{ 'ab' * 0 }}]",
     "",
     "ababab|ababab|[]"},
    {"list concatenation",
     "{{ ([1, 2] + [3])|string }}",
     "",
     "[1, 2, 3]"},
    {"comparisons between numbers",
     "{{ 1 < 2 }}{{ 2 <= 2 }}{{ 1.5 > 2 }}{{ 3 >= 3.0 }}",
     "",
     "TrueTrueFalseTrue"},
    {"equality across numbers and booleans",
     "{{ 1 == 1.0 }}{{ 1 == true }}{{ 0 == false }}{{ 1 == '1' }}{{ none == none }}{{ missing == missing }}",
     "",
     "TrueTrueTrueFalseTrueTrue"},
    {"equality of lists and dicts",
     "{{ [1, 2] == [1, 2] }}{{ (1, 2) == [1, 2] }}{{ {'a': 1} == {'a': 1} }}{{ [[1]] == [[1]] }}",
     "",
     "TrueFalseTrueFalse"},
    {"in and not in",
     "{{ 'b' in 'abc' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 3 not in [1] }}{{ 'x' in missing }}{{ 'x' not in missing }}",
     "",
     "TrueTrueTrueTrueFalseTrue"},
    {"and/or return an operand",
     "{{ 1 and 'x' }}|{{ 0 and 'x' }}|{{ 0 or 'y' }}|{{ '' or [] }}",
     "",
     "x|0|y|"},
    {"not and truthiness",
     "{{ not 0 }}{{ not '' }}{{ not [] }}{{ not {} }}{{ not 'a' }}{{ not [0] }}{{ not none }}{{ not missing }}",
     "",
     "TrueTrueTrueTrueFalseFalseTrueTrue"},
    {"conditional expression",
     "{{ 'a' if true else 'b' }}|{{ 'a' if false else 'b' if true else 'c' }}",
     "",
     "a|b"},
    {"a conditional without else is undefined when false",
     "[{{ 'a' if false }}][{{ 'a' if true }}]",
     "",
     "[][a]"},
    {"division by zero is infinity",
     "{{ 1 / 0 }}|{{ -1 / 0.0 }}",
     "",
     "inf|-inf"},
};

const RenderCase kSubscripts[] = {
    {"indexes, negative from the end",
     "{{ xs[0] }}{{ xs[-1] }}[{{ xs[5] }}]",
     R"({"xs": ["a", "b", "c"]})",
     "ac[]"},
    {"string indexes (no negative ones)",
     "{{ 'abc'[1] }}[{{ 'abc'[-1] }}]",
     "",
     "b[]"},
    {"slices",
     "{{ xs[1:]|string }}|{{ xs[:-1]|string }}|{{ xs[::-1]|string }}|{{ xs[::2]|string }}|{{ (1, 2, 3)[1:]|string }}",
     R"({"xs": ["a", "b", "c"]})",
     "['b', 'c']|['a', 'b']|['c', 'b', 'a']|['a', 'c']|(2, 3)"},
    {"string slices",
     "{{ 'abcdef'[1:3] }}|{{ 'abcdef'[::-2] }}|{{ 'abcdef'[-1:1:-1] }}",
     "",
     "bc|fdb|fedc"},
    {"attribute and subscript on dicts",
     "{{ d.a }}{{ d['a'] }}{{ d.b.c }}{{ d['b']['c'] }}[{{ d.missing }}][{{ d.missing.deeper }}]",
     R"({"d": {"a": 1, "b": {"c": "x"}}})",
     "11xx[][]"},
    {"a dict method hides a key of the same name",
     "{{ d.items is callable }}|{{ d['items'] }}",
     R"({"d": {"items": 3}})",
     "True|3"},
    {"keys of other kinds",
     "{% set d = {1: 'one', none: 'n', (1, 2): 't'} %}{{ d[1] }}{{ d[1.0] }}{{ d[true] }}{{ d[none] }}{{ d[(1, 2)] }}",
     "",
     "oneoneonent"},
    {"an empty subscript is undefined",
     "{{ d[] is undefined }}",
     R"({"d": {"a": 1}})",
     "True"},
};

const RenderCase kStatements[] = {
    {"if, elif, else",
     "{% for x in [1, 2, 3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %};{% endfor %}",
     "",
     "one;two;many;"},
    {"loop variables",
     "{% for i in 'abc'|list if false else ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
     "",
     "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;"},
    {"previtem and nextitem",
     "{% for i in [1, 2, 3] %}({{ loop.previtem }},{{ loop.nextitem }}){% endfor %}",
     "",
     "(,2)(1,3)(2,)"},
    {"loop filter",
     "{% for i in [1, 2, 3, 4] if i is even %}{{ i }}/{{ loop.length }} {% endfor %}",
     "",
     "2/2 4/2 "},
    {"for over a dict: keys, or key and value",
     "{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}",
     R"({"d": {"a": 1, "b": 2}})",
     "ab|a=1;b=2;|a1b2"},
    {"for else",
     "{% for x in [] %}a{% else %}empty{% endfor %}|{% for x in missing %}a{% else %}undefined{% endfor %}",
     "",
     "empty|undefined"},
    {"break and continue",
     "{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}",
     "",
     "13"},
    {"break drops the output of the interrupted statement",
     "{% for x in [1, 2] %}<{% if x == 2 %}dropped{% break %}{% endif %}>{% endfor %}",
     "",
     "<><"},
    {"for else also runs when every iteration was cut short",
     "{% for x in [1, 2] %}{% continue %}{% else %}else{% endfor %}",
     "",
     "else"},
    {"set does not leak out of a loop",
     "{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}",
     "",
     "21"},
    {"set in an if block is visible after it",
     "{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}",
     "",
     "2"},
    {"namespace carries values out of a loop",
     "{% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}",
     "",
     "6"},
    {"tuple unpacking",
     "{% set a, b = [1, 2] %}{{ a }}{{ b }}|{% set c, d = 3, 4 %}{{ c }}{{ d }}",
     "",
     "12|34"},
    {"block set",
     "{% set x %}block {{ 1 + 1 }}{% endset %}[{{ x }}]",
     "",
     "[block 2]"},
    {"macro with defaults and keywords",
     "{% macro f(a, b=2, c='c') %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ f(1) }}|{{ f(1, 3) }}|{{ f(1, 3, c=5) }}|{{ f(a=0) }}",
     "",
     "12c|13c|135|02c"},
    {"a keyword argument counts as a position",
     "{% macro f(a, b=2, c='c') %}{{ a }}[{{ b }}]{{ c }}{% endmacro %}{{ f(1, c=5) }}",
     "",
     "1[]c"},
    {"a keyword past the arguments given takes the default",
     "{% macro f(a, b=2) %}{{ a }}{{ b }}{% endmacro %}[{{ f(b=7) }}]",
     "",
     "[2]"},
    {"macros see the caller's variables",
     "{% macro f() %}{{ v }}{% endmacro %}{% set v = 'outer' %}{{ f() }}{% for v in ['loop'] %}{{ f() }}{% endfor %}",
     "",
     "outerloop"},
    {"call block",
     "{% macro box(x) %}[{{ caller(x * 2) }}]{% endmacro %}{% call(y) box(5) %}got {{ y }}{% endcall %}",
     "",
     "[got 10]"},
    {"filter block",
     "{% filter upper %}hello {{ 'x' }}{% endfilter %}",
     "",
     "HELLO X"},
    {"generation tags are ignored",
     "<a{% generation %}b{% endgeneration %}c",
     "",
     "<abc"},
    {"string parts: capitalize and title work per part",
     "{{ ('hello ' ~ 'world')|capitalize }}|{{ ('hello' ~ 'world')|title }}",
     "",
     "Hello World|HelloWorld"},
};

const RenderCase kFilters[] = {
    {"case",
     "{{ 'abc'|upper }}{{ 'ABC'|lower }}|{{ 'hello world'|title }}|{{ 'hELLO wORLD'|capitalize }}",
     "",
     "ABCabc|Hello World|Hello world"},
    {"string filters convert other kinds first",
     "{{ 5|upper }}|{{ [1, 'a']|upper }}|{{ 5|trim }}",
     "",
     "5|[1, 'A']|5"},
    {"trim",
     "[{{ '  a \\n'|trim }}][{{ 'xxaxx'|trim('x') }}]",
     "",
     "[a][a]"},
    {"length and count",
     "{{ 'abc'|length }}{{ [1, 2]|length }}{{ {'a': 1}|length }}{{ missing|length }}{{ [1]|count }}",
     "",
     "32101"},
    {"first, last, reverse",
     "{{ [1, 2, 3]|first }}{{ [1, 2, 3]|last }}{{ [1, 2, 3]|reverse|join }}[{{ []|first }}]",
     "",
     "13321[]"},
    {"join",
     "{{ [1, 2, 3]|join(', ') }}|{{ ['x', 'y']|join }}|{{ [{'a': 1}, {'a': 2}]|join(',', attribute='a') }}",
     "",
     "1, 2, 3|xy|1,2"},
    {"sort",
     "{{ [3, 1, 2]|sort|join }}{{ [3, 1, 2]|sort(reverse=true)|join }}{{ ['b', 'a', 'C']|sort|join }}{{ [{'n': 2}, {'n': 1}]|sort(attribute='n')|map(attribute='n')|join }}",
     "",
     "123321Cab12"},
    {"dictsort",
     "{% for k, v in d|dictsort %}{{ k }}{{ v }}{% endfor %}|{% for k, v in d|dictsort(by='value', reverse=true) %}{{ k }}{% endfor %}",
     R"({"d": {"b": 1, "a": 2}})",
     "a2b1|ab"},
    {"items",
     "{% for k, v in {'a': 1}|items %}{{ k }}{{ v }}{% endfor %}",
     "",
     "a1"},
    {"default",
     "{{ missing|default('d') }}|{{ none|default('d') }}|{{ ''|default('d') }}|{{ ''|default('d', true) }}|{{ 0|d(5) }}",
     "",
     "d|d||d|0"},
    {"map and select",
     "{{ xs|map(attribute='a')|join }}|{{ xs|selectattr('a')|length }}|{{ xs|rejectattr('a')|length }}|{{ xs|selectattr('a', 'equalto', 2)|length }}",
     R"({"xs": [{"a": 1}, {"a": 2}, {"a": 0}]})",
     "120|2|1|1"},
    {"select and reject with a test",
     "{{ ['a', 'b', 'c']|reject('in', ['b'])|join }}|{{ ['a', 'b']|select('in', 'bc')|join }}",
     "",
     "ac|b"},
    {"map by index and with a default",
     "{{ [[1, 2], [3, 4]]|map(attribute=1)|join }}|{{ [{'a': 1}, {}]|map(attribute='a', default=9)|join }}",
     "",
     "24|19"},
    {"min and max",
     "{{ [3, 1, 2]|min }}{{ [3, 1, 2]|max }}{{ ['b', 'a']|min }}",
     "",
     "13a"},
    {"conversions",
     "{{ '42'|int }}{{ 'x'|int }}{{ 'x'|int(7) }}{{ 'ff'|int(base=16) }}{{ 3.9|int }}{{ true|int }}|{{ '3.5'|float }}|{{ 3|float }}|{{ -5|abs }}{{ -2.5|abs }}",
     "",
     "420725531|3.5|3.0|52.5"},
    {"string of a number is its JSON text",
     "{{ 3|string }}|{{ 3.0|string }}|{{ 2.5|string }}|{{ true|string }}|{{ none|string }}",
     "",
     "3|3|2.5|True|None"},
    {"list",
     "{{ (1, 2)|list|string }}|{{ missing|list|string }}",
     "",
     "[1, 2]|[]"},
    {"indent",
     "{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(width='> ', blank=true) }}",
     "",
     "a\n  b\n\n  c|  a\n  b|a\n> \n> b"},
    {"undefined passes through most filters",
     "[{{ missing|upper }}{{ missing|join }}{{ missing|first }}{{ missing|length }}{{ missing|sort|string }}]",
     "",
     "[0[]]"},
    {"none's list filters give an empty list",
     "{{ none|items|string }}{{ none|selectattr('a')|string }}",
     "",
     "[][]"},
    {"sort leaves ties where GCC's std::sort leaves them (not stable)",
     "{{ xs|sort(attribute='k')|map(attribute='i')|join(',') }}",
     R"({"xs": [{"k": 0, "i": 0}, {"k": 1, "i": 1}, {"k": 2, "i": 2}, {"k": 0, "i": 3}, {"k": 1, "i": 4}, {"k": 2, "i": 5}, {"k": 0, "i": 6}, {"k": 1, "i": 7}, {"k": 2, "i": 8}, {"k": 0, "i": 9}, {"k": 1, "i": 10}, {"k": 2, "i": 11}, {"k": 0, "i": 12}, {"k": 1, "i": 13}, {"k": 2, "i": 14}, {"k": 0, "i": 15}, {"k": 1, "i": 16}, {"k": 2, "i": 17}, {"k": 0, "i": 18}, {"k": 1, "i": 19}]})",
     "18,3,15,6,12,9,0,10,19,16,13,7,4,1,11,8,14,5,17,2"},
    {"dictsort too",
     "{% for k, v in d|dictsort(by='value') %}{{ k[1:] }} {% endfor %}",
     R"({"d": {"k00": 0, "k01": 1, "k02": 0, "k03": 1, "k04": 0, "k05": 1, "k06": 0, "k07": 1, "k08": 0, "k09": 1, "k10": 0, "k11": 1, "k12": 0, "k13": 1, "k14": 0, "k15": 1, "k16": 0, "k17": 1, "k18": 0, "k19": 1}})",
     "00 02 18 04 06 16 08 10 14 12 19 17 15 13 11 09 07 05 03 01 "},
};

const RenderCase kMethods[] = {
    {"string methods",
     "{{ s.upper() }}|{{ s.lower() }}|{{ s.title() }}|{{ s.capitalize() }}|{{ s.startswith('He') }}{{ s.endswith('x') }}",
     R"({"s": "Hello, World"})",
     "HELLO, WORLD|hello, world|Hello, World|Hello, world|TrueFalse"},
    {"strip with characters",
     "[{{ '  a  '.strip() }}][{{ '  a  '.lstrip() }}][{{ '  a  '.rstrip() }}][{{ 'xyaxy'.strip('xy') }}][{{ 'xya'.lstrip('yx') }}]",
     "",
     "[a][a  ][  a][a][a]"},
    {"split and rsplit",
     "{{ 'a,b,c'.split(',')|join('|') }}|{{ 'a,b,c'.split(',', 1)|join('|') }}|{{ 'a,b,c'.rsplit(',', 1)|join('|') }}|{{ 'a b  c'.split()|join('|') }}",
     "",
     "a|b|c|a|b,c|a,b|c|a|b||c"},
    {"replace",
     "{{ 'aaa'.replace('a', 'bb') }}|{{ 'abc'.replace('', '-') }}|{{ 'abc'|replace('b', 'x') }}",
     "",
     "bbbbbb|-a-b-c-|axc"},
    {"format with {} placeholders",
     "{{ '{} and {}'.format(1, 'x') }}",
     "",
     "1 and x"},
    {"dict methods",
     "{{ d.get('a') }}|{{ d.get('z') is none }}|{{ d.get('z', 'dflt') }}|{{ d.keys()|join }}|{{ d.values()|join }}",
     R"({"d": {"a": 1, "b": 2}})",
     "1|True|dflt|ab|12"},
    {"append returns the list; pop removes",
     "{% set xs = [1, 2, 3] %}{{ xs.pop() }}{{ xs.pop(0) }}{{ xs|join }}|{% set _ = xs.append(9) %}{{ xs|join }}|{{ xs.append(7) }}",
     "",
     "312|29|297"},
    {"a list is shared, not copied",
     "{% set a = [1] %}{% set b = a %}{% set _ = b.append(2) %}{{ a|join }}",
     "",
     "12"},
};

const RenderCase kTests[] = {
    {"kinds",
     "{{ 'a' is string }}{{ 1 is number }}{{ true is number }}{{ 1.0 is float }}{{ 1 is integer }}{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ {} is iterable }}{{ missing is sequence }}{{ true is boolean }}{{ none is none }}",
     "",
     "TrueTrueFalseTrueTrueTrueTrueTrueFalseTrueTrueTrue"},
    {"defined and undefined",
     "{{ x is defined }}{{ y is defined }}{{ y is undefined }}{{ x is not undefined }}",
     R"({"x": null})",
     "TrueFalseTrueTrue"},
    {"values",
     "{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby(3) }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 'ABC' is upper }}{{ 'abc' is lower }}",
     "",
     "TrueTrueTrueTrueFalseTrueTrueTrue"},
    {"comparisons",
     "{{ 3 is eq(3) }}{{ 3 is equalto(4) }}{{ 3 is ne(3) }}{{ 3 is gt(2) }}{{ 3 is ge(3) }}{{ 2 is lt(3) }}{{ 'b' is greaterthan('a') }}",
     "",
     "TrueFalseFalseTrueTrueTrueTrue"},
    {"in and test",
     "{{ 2 is in([1, 2]) }}{{ 'b' is in('abc') }}{{ 'a' is in({'a': 1}) }}{{ 'odd' is test }}{{ 'nope' is test }}",
     "",
     "TrueTrueTrueTrueFalse"},
    {"callable",
     "{{ ''.strip is callable }}{{ range is callable }}{{ 'x' is callable }}",
     "",
     "TrueTrueFalse"},
};

const RenderCase kTojson[] = {
    {"compact",
     "{{ {'a': [1, 2.5, none, true, 'x']}|tojson }}",
     "",
     "{\"a\": [1, 2.5, null, true, \"x\"]}"},
    {"floats are %g",
     "{{ [3.0, 0.1, 123456789.0, 0.000001]|tojson }}",
     "",
     "[3, 0.1, 1.23457e+08, 1e-06]"},
    {"indent",
     "{{ {'a': [1, {'b': 2}], 'e': [], 'o': {}}|tojson(indent=2) }}",
     "",
     "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ],\n  \"e\": [],\n  \"o\": {}\n}"},
    {"separators",
     "{{ {'a': [1, 2]}|tojson(separators=(',', ':')) }}",
     "",
     "{\"a\":[1,2]}"},
    {"escapes, UTF-8 kept",
     "{{ s|tojson }}",
     R"({"s": "é\"\\\n\t\u0001"})",
     "\"é\\\"\\\\\\n\\t\\u0001\""},
    {"ensure_ascii",
     "{{ 'é😀'|tojson(ensure_ascii=true) }}",
     "",
     "\"\\u00e9\\ud83d\\ude00\""},
    {"keys become strings",
     "{{ {1: 2, none: 3, true: 4}|tojson }}",
     "",
     "{\"1\": 4, \"None\": 3}"},
    {"undefined inside is null",
     "{{ [missing]|tojson }}",
     "",
     "[null]"},
};

const RenderCase kGlobals[] = {
    {"range",
     "{{ range(3)|join }}|{{ range(1, 4)|join }}|{{ range(10, 0, -3)|join(',') }}|[{{ range(0)|join }}]",
     "",
     "012|123|10,7,4,1|[]"},
    {"strftime_now uses the render time in UTC",
     "{{ strftime_now('%Y-%m-%d %H:%M:%S %a %b %j %Z') }}",
     "",
     "2026-01-02 03:04:05 Fri Jan 002 UTC"},
    {"namespace attributes",
     "{% set ns = namespace(a=1, b='x') %}{{ ns.a }}{{ ns.b }}{% set ns.c = 3 %}{{ ns.c }}",
     "",
     "1x3"},
};

// clang-format on
TEST(JinjaWhitespace, TrimAndLstripAsLlamaCpp) { expect_renders(kWhitespace); }
TEST(JinjaPrinting, ValuesPrintAsLlamaCpp) { expect_renders(kPrinting); }
TEST(JinjaOperators, ComputeAsLlamaCpp) { expect_renders(kOperators); }
TEST(JinjaSubscripts, IndexSliceAndAttributeAsLlamaCpp) { expect_renders(kSubscripts); }
TEST(JinjaStatements, RunAsLlamaCpp) { expect_renders(kStatements); }
TEST(JinjaFilters, FilterAsLlamaCpp) { expect_renders(kFilters); }
TEST(JinjaMethods, StringListAndDictMethodsAsLlamaCpp) { expect_renders(kMethods); }
TEST(JinjaTests, TestAsLlamaCpp) { expect_renders(kTests); }
TEST(JinjaTojson, SerialisesAsLlamaCpp) { expect_renders(kTojson); }
TEST(JinjaGlobals, GlobalFunctionsAsLlamaCpp) { expect_renders(kGlobals); }

// --- the API ---

TEST(JinjaTemplate, RendersTheSameTwiceAndReadsTheClock) {
    const jinja::Template t("{{ strftime_now('%d %b %Y') }} {{ messages[0].content }}");
    const Json context = {{"messages", Json::array({{{"role", "user"}, {"content", "hi"}}})}};
    EXPECT_EQ(t.render(context, kNow), "02 Jan 2026 hi");
    EXPECT_EQ(t.render(context, kNow), "02 Jan 2026 hi");
    EXPECT_EQ(t.render(context, 0), "01 Jan 1970 hi");
    EXPECT_EQ(t.render(context, 951782400), "29 Feb 2000 hi");  // leap day
}

TEST(JinjaTemplate, ContextMustBeAnObject) {
    const jinja::Template t("x");
    try {
        t.render(Json::array({1}), kNow);
        FAIL() << "rendered";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    }
}

TEST(JinjaTemplate, InputStringsAreNotTemplates) {
    const Json context = {{"content", "{{ 7 * 6 }}{% if %}"}};
    EXPECT_EQ(render("<{{ content }}>", context), "<{{ 7 * 6 }}{% if %}>");
}

TEST(JinjaTemplate, AnErrorLeavesTheTemplateUsable) {
    const jinja::Template t("{{ x.upper() }}");
    EXPECT_THROW(t.render(Json{{"x", 1}}, kNow), Error);
    EXPECT_EQ(t.render(Json{{"x", "a"}}, kNow), "A");
}

// --- errors ---

TEST(JinjaErrors, SyntaxErrorNamesLineAndColumn) {
    const Error e = render_error("line one\n{{ 1 + }}");
    EXPECT_EQ(e.code(), ErrorCode::Malformed);
    EXPECT_EQ(std::string(e.what()), "chat template line 2, column 8: unexpected '}}'");
}

TEST(JinjaErrors, SyntaxErrors) {
    for (const char* source : {
             "{% if true %}never closed",        // end of template inside a block
             "{% for x in [] %}{% endif %}",     // the wrong end
             "{% raw %}x{% endraw %}",           // not in the engine
             "{{ 'unterminated }}",              //
             "{{ 'a\\qb' }}",                    // unknown escape
             "{{ 2 ** 3 }}",                     // no ** (nor //)
             "{{ -x }}",                         // no unary minus on names
             "{{ x if y else -1 }}",             // the minus reads as binary here
             "{{ (1,) }}",                       // no trailing comma in a tuple
             "{# never closed",                  //
             "{{ 1 }",                           //
             "{{ 99999999999999999999 }}",       // out of range
             "{% set %}",                        //
             "{{ x | }}",                        //
             "{{ @ }}",                          // a character no token starts with
         }) {
        SCOPED_TRACE(source);
        const Error e = render_error(source);
        EXPECT_EQ(e.code(), ErrorCode::Malformed);
        EXPECT_EQ(std::string(e.what()).rfind("chat template line 1, column ", 0), 0u) << e.what();
    }
}

TEST(JinjaErrors, RaiseExceptionIsTheTemplateRefusingItsInput) {
    const std::string source =
        "{% for m in messages %}\n"
        "{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}\n"
        "{% endfor %}";
    const Error e = render_error(source, {{"messages", Json::array({{{"role", "system"}}})}});
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(std::string(e.what()), "chat template line 2: System role not supported");
}

TEST(JinjaErrors, RuntimeErrorsNameTheLine) {
    struct {
        const char* source;
        const char* message;
    } cases[] = {
        {"\n\n  {{ 'x'|nofilter }}", "chat template line 3, column 9: Unknown (built-in) filter 'nofilter' for type String"},
        {"{{ foo() }}", "chat template line 1, column 7: Callee is not a function: got Undefined (hint: 'foo')"},
        {"{{ x is nosuchtest }}", "chat template line 1, column 6: Unknown test 'nosuchtest'"},
        {"{{ 'a' - 1 }}", "chat template line 1, column 8: Unknown operator \"-\" between String and Integer"},
        {"{{ 1 ~ 2 }}", "chat template line 1, column 6: Unknown operator \"~\" between Integer and Integer"},
        {"{{ none + 1 }}", "chat template line 1, column 9: Cannot perform operation on null values"},
        {"{% for c in 'abc' %}{% endfor %}", "chat template line 1, column 4: Expected iterable or object type in for loop: got String"},
        {"{% break %}", "chat template line 1, column 4: break or continue outside a loop"},
        {"{{ [1, 2]|sum }}", "chat template line 1, column 10: Unknown (built-in) filter 'sum' for type Array"},
        {"{{ 'a'.join(['b']) }}", "chat template line 1, column 12: NotImplemented: String join builtin not implemented"},
        {"{{ dict(a=1) }}", "chat template line 1, column 8: Callee is not a function: got Undefined (hint: 'dict')"},
        {"{{ 4 is divisibleby(0) }}", "chat template line 1, column 6: divisibleby(0): division by zero"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.source);
        const Error e = render_error(c.source);
        EXPECT_EQ(e.code(), ErrorCode::Malformed);
        EXPECT_EQ(std::string(e.what()), c.message);
    }
}

// --- hostile templates: an error, never a crash or a hang ---

void expect_refused(const std::string& source, const char* what, const jinja::Limits& limits = {},
                    const Json& context = Json::object()) {
    const Error e = render_error(source, context, limits);
    EXPECT_EQ(e.code(), ErrorCode::Malformed) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
}

std::string repeated(const std::string& s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += s;
    return out;
}

TEST(JinjaHostile, DeepNestingInTheSource) {
    expect_refused("{{ " + repeated("(", 100000) + "1" + repeated(")", 100000) + " }}", "nested deeper");
    expect_refused(repeated("{% if true %}", 100000), "nested deeper");
    expect_refused("{{ " + repeated("not ", 100000) + "1 }}", "nested deeper");
    expect_refused("{{ x" + repeated("[0]", 100) + repeated("()", 100000) + " }}", "nested deeper");
    expect_refused("{% if false %}{% elif false %}" + repeated("{% elif false %}", 100000) + "{% endif %}", "nested deeper");
}

TEST(JinjaHostile, LongChainsParseAndFailCleanly) {
    // Left-nested trees a million deep: parsed by loops, refused when run, freed without recursion.
    expect_refused("{{ 1" + repeated(" + 1", 1000000) + " }}", "nested deeper");
    expect_refused("{{ x" + repeated("|first", 300000) + " }}", "nested deeper");
}

TEST(JinjaHostile, RunawayRecursion) {
    expect_refused("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "nested deeper");
    expect_refused("{% macro f() %}{% call f() %}x{% endcall %}{% endmacro %}{{ f() }}", "nested deeper");
}

TEST(JinjaHostile, HugeRangesAndLists) {
    expect_refused("{{ range(1000000000000)|length }}", "a list would exceed");
    expect_refused("{{ range(-9223372036854775807, 9223372036854775807, 3)|length }}", "a list would exceed");
    jinja::Limits limits;
    limits.max_items = 1000;
    expect_refused("{% set xs = [0] %}{% for i in range(20) %}{% set xs = xs + xs %}{% endfor %}", "a list would exceed",
                   limits);
    expect_refused("{% set xs = [] %}{% for i in range(2000) %}{% set _ = xs.append(i) %}{% endfor %}",
                   "a list would exceed", limits);
}

TEST(JinjaHostile, EndlessLoops) {
    jinja::Limits limits;
    limits.max_steps = 100000;
    expect_refused("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "steps", limits);
    EXPECT_EQ(render("{% for i in range(1000) %}{% endfor %}ok", Json::object(), limits), "ok");
}

TEST(JinjaHostile, StringBlowUp) {
    expect_refused("{% set s = 'x' %}{% for i in range(64) %}{% set s = s ~ s %}{% endfor %}", "bytes");
    expect_refused("{{ 'x' * 1000000000000 }}", "too long");
    expect_refused("{{ 'ab'|indent(4000000000000) }}", "out of range");
    expect_refused("{{ [[1]]|tojson(indent=2000000000) }}", "exceeds");
    expect_refused("{% for i in range(100000) %}{{ s }}{% endfor %}", "exceed", jinja::Limits(),
                   {{"s", std::string(1 << 20, 'x')}});
}

TEST(JinjaHostile, ValuesThatContainThemselves) {
    const std::string cycle = "{% set a = [1] %}{% set _ = a.append(a) %}";
    EXPECT_EQ(render(cycle + "ok"), "ok");  // harmless until used, and freed
    expect_refused(cycle + "{{ a }}", "nested deeper");
    expect_refused(cycle + "{{ a|string }}", "nested deeper");
    expect_refused(cycle + "{{ a|tojson }}", "nested deeper");
    EXPECT_EQ(render(cycle + "{{ a == a }}"), "False");  // a list holding a list is unhashable: never equal
    EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.me = ns %}{% set ns.get2 = ns.get %}{{ ns.me.me.me is mapping }}"),
              "True");
}

TEST(JinjaHostile, DeepValuesAreFreedWithoutRecursion) {
    EXPECT_EQ(render("{% set ns = namespace(x=[]) %}{% for i in range(200000) %}{% set ns.x = [ns.x] %}{% endfor %}ok"),
              "ok");
}

TEST(JinjaHostile, DeeplyNestedInput) {
    // Parsed in one piece: nlohmann's own copies of so deep a value recurse.
    const Json context = Json::parse("{\"x\": " + repeated("[", 10000) + repeated("]", 10000) + "}");
    const Error e = render_error("{{ x }}", context);
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace chord
