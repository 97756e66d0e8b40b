#include "http/metrics.hpp"

#include "app/log.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <sstream>

namespace parley::http {

namespace {
constexpr double kBuckets[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
}

void Metrics::observeRequest(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  auto& h = latency_[route];
  if (h.buckets.empty()) h.buckets.assign(std::size(kBuckets), 0);
  for (std::size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  h.sum += seconds;
  ++h.count;
}

void Metrics::addGauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  readings_.push_back({std::move(name), std::move(help), "gauge", std::move(read)});
}

void Metrics::addCounter(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  readings_.push_back({std::move(name), std::move(help), "counter", std::move(read)});
}

std::string Metrics::render() const {
  std::ostringstream out;
  std::vector<Reading> readings;
  {
    std::lock_guard lock(mutex_);
    out << "# HELP parley_http_requests_total HTTP requests by route and status\n"
           "# TYPE parley_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      out << "parley_http_requests_total{method=\"" << std::get<0>(key) << "\",route=\"" << std::get<1>(key)
          << "\",status=\"" << std::get<2>(key) << "\"} " << count << "\n";
    }
    out << "# HELP parley_http_request_duration_seconds Request latency by route\n"
           "# TYPE parley_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      for (std::size_t i = 0; i < std::size(kBuckets); ++i) {
        out << "parley_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[i] << "\"} "
            << h.buckets[i] << "\n";
      }
      out << "parley_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.count << "\n";
      out << "parley_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n";
      out << "parley_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << "\n";
    }
    readings = readings_;
  }
  for (const auto& r : readings) {
    out << "# HELP " << r.name << " " << r.help << "\n# TYPE " << r.name << " " << r.type << "\n"
        << r.name << " " << r.read() << "\n";
  }
  return out.str();
}

void logJson(const std::string& level, const std::string& message,
             std::initializer_list<std::pair<const char*, std::string>> fields) {
  boost::json::object extra(fields.size());
  for (const auto& [k, v] : fields) extra.emplace(k, v);
  app::logLine(level, message, std::move(extra));
}

}  // namespace parley::http
