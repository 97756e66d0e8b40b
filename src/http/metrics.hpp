// DESIGN: Prometheus text metrics without a library: counters and fixed-bucket latency
// histograms per (route pattern, status), under one mutex (one lock per request is far below
// the cost of the request). Gauges are read through callbacks at scrape time.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace parley::http {

class Metrics {
 public:
  void observeRequest(const std::string& method, const std::string& route, int status, double seconds);
  void addGauge(std::string name, std::string help, std::function<double()> read);
  void addCounter(std::string name, std::string help, std::function<double()> read);
  std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Reading {
    std::string name, help, type;
    std::function<double()> read;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::vector<Reading> readings_;
};

// One JSON log line on stderr.
void logJson(const std::string& level, const std::string& message,
             std::initializer_list<std::pair<const char*, std::string>> fields = {});

}  // namespace parley::http
