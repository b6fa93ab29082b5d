#include <doctest/doctest.h>

#include <string>

#include "callctl/flow/runner.hpp"

using namespace callctl::flow;

TEST_CASE("junit: XML escaping, control characters and bad UTF-8 included") {
    CHECK(xml_escape(R"(<a href="x">&'</a>)", false) == R"(&lt;a href="x"&gt;&amp;'&lt;/a&gt;)");
    CHECK(xml_escape(R"(<a href="x">&'</a>)", true) == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    CHECK(xml_escape("a\nb\tc\rd", false) == "a\nb\tc\rd");
    CHECK(xml_escape("a\nb\tc\rd", true) == "a&#10;b&#9;c&#13;d");
    // XML 1.0 cannot carry these even as character references.
    CHECK(xml_escape(std::string("\x1b[31mred\x00\x7f", 10), false) == "\\u001b[31mred\\u0000\\u007f");
    CHECK(xml_escape("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\x9e", false) == "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x93\x9e");
    CHECK(xml_escape("bad \xff \xc3 \xed\xa0\x80 \xc0\xaf \xef\xbf\xbe", false) ==
          "bad \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("junit: a suite with passed, failed and skipped steps") {
    FlowReport report;
    report.time_s = 1.5;
    StepResult ok;
    ok.name = "token";
    ok.ok = true;
    ok.time_s = 0.25;
    StepResult failed;
    failed.name = "call <log>";
    failed.time_s = 1.0;
    failed.exit = 6;
    failed.message = "exit 6, expected 0: HTTP 404";
    failed.stderr_text = "callctl: error: HTTP 404\x1b";
    StepResult skipped;
    skipped.name = "hangup";
    skipped.skipped = true;
    skipped.message = "skipped: step 'call <log>' failed";
    report.steps = {ok, failed, skipped};
    CHECK(render_junit("smoke \"ci\"", report) ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<testsuite name=\"smoke &quot;ci&quot;\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"1.500\">\n"
          "  <testcase classname=\"smoke &quot;ci&quot;\" name=\"token\" time=\"0.250\"/>\n"
          "  <testcase classname=\"smoke &quot;ci&quot;\" name=\"call &lt;log&gt;\" time=\"1.000\">\n"
          "    <failure message=\"exit 6, expected 0: HTTP 404\" type=\"expectation\">exit 6, expected 0: HTTP 404\n"
          "\n"
          "stderr:\n"
          "callctl: error: HTTP 404\\u001b\n"
          "</failure>\n"
          "  </testcase>\n"
          "  <testcase classname=\"smoke &quot;ci&quot;\" name=\"hangup\" time=\"0.000\">\n"
          "    <skipped message=\"skipped: step &apos;call &lt;log&gt;&apos; failed\"/>\n"
          "  </testcase>\n"
          "</testsuite>\n");
}

TEST_CASE("junit: step results as JSON") {
    StepResult step;
    step.name = "s";
    step.time_s = 0.12345;
    step.attempts = 2;
    step.message = "m";
    CHECK(step_json(step).dump() ==
          R"({"name":"s","ok":false,"skipped":false,"exit":null,"time_s":0.123,"attempts":2,"message":"m","stderr":""})");
    step.exit = 0;
    step.ok = true;
    CHECK(step_json(step)["exit"] == 0);
}
