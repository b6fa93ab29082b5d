// A shim: everything lives in app.cpp and the library, so tests can link it.
#include "app.hpp"

int main(int argc, char** argv) { return callctl::cli::run(argc, argv); }
