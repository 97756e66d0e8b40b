#include "app/log.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace parley::app {

void logLine(std::string_view level, std::string_view msg, boost::json::object fields) {
  using namespace std::chrono;
  boost::json::object line(fields.size() + 3);  // one allocation: this runs once per request
  line.emplace("ts", duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  line.emplace("level", level);
  line.emplace("msg", msg);
  for (auto& field : fields) line[field.key()] = std::move(field.value());
  const std::string text = boost::json::serialize(line) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace parley::app
