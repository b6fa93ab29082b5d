// The unit test runner. Tests that touch files get their own temp directory
// (see testutil.hpp); nothing reads the user's real config or environment.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>

int main(int argc, char** argv) {
    // Keep the user's settings out of every test.
    for (const char* name : {"CALLCTL_PROFILE", "CALLCTL_CONFIG", "CALLCTL_TOKEN", "CALLCTL_TOKEN_URL", "CALLCTL_REST_URL",
                             "CALLCTL_GRAPHQL_URL", "CALLCTL_OUTPUT", "CALLCTL_PUSH_KEY", "NO_COLOR"}) {
        ::unsetenv(name);
    }
    doctest::Context context(argc, argv);
    return context.run();
}
