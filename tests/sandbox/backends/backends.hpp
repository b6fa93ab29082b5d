// Every backend of the sandbox, made in one place (backends.cpp). A new
// backend is a file pair in this directory and one line in that list.
#pragma once

#include <memory>
#include <vector>

#include "backend.hpp"

namespace callctl::sandbox {

class Backends {
public:
    explicit Backends(Shared& shared);

    void add_options(CLI::App& app);
    Status start();  // each backend in turn; the first Error stops
    void install(Router& router);
    Status serve(const ServeContext& context, nlohmann::json& ready);  // each backend's own server, if any

private:
    template <class Kind, class... Args>
    Kind& add(Args&&... args);

    std::vector<std::unique_ptr<Backend>> all_;
};

}  // namespace callctl::sandbox
