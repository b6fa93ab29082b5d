#include <cstdio>

#include "callctl/version.hpp"

int main() {
    std::printf("callctl %s\n", callctl::version().data());
    return 0;
}
