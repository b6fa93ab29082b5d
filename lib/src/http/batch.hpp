// The curl multi loop behind http::Client (client.cpp): the Engine that
// outlives one batch, and one run of the loop over a RequestSource. A single
// send is a batch of one, so it shares the batch's connection pool, its
// per-request retry scheduling and its 100 ms interrupt checks (a retry's
// back-off wait is a multi poll, not a blind sleep).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "callctl/http/http.hpp"
#include "http/curl_easy.hpp"

namespace callctl::http::detail {

// Everything that outlives one batch: the multi handle (whose connection
// cache is what makes reuse happen), idle easy handles, the jitter source.
struct Engine {
    ClientOptions options;
    TransferSettings settings;
    std::mt19937_64 rng;
    CurlMulti multi;
    std::vector<CurlEasy> idle;
    std::vector<std::string> dry_run_commands;

    explicit Engine(ClientOptions opts);
};


// Runs the source's requests, at most `parallel` at a time (HTTP/2: streams
// on one connection), each retried as callctl(1) says under RETRIES, until the
// source is exhausted or the run is interrupted; each outcome goes to
// source.done(). `tag_lines`: -v lines start with "[#index] ".
void run_batch(Engine& engine, RequestSource& source, int parallel, bool tag_lines);

}  // namespace callctl::http::detail
