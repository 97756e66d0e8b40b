// GET /api/v1/staffing and `parley staffing`: one parser, one JSON encoder, two front doors.
#include "http/staffing_api.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <string_view>

#include <boost/url/parse_query.hpp>

#include "core/staffing/staffing.hpp"

namespace parley::http {

namespace {

namespace staffing = core::staffing;
using core::ErrorCode;
using core::makeError;

struct Param {
  const char* key;   // query parameter; the CLI option is the same with '-' for '_'
  bool required;
  const char* help;
};

constexpr Param kParams[] = {
    {"model", true, "erlang-c (no abandonment) or erlang-a (customers give up after patience_s)"},
    {"arrivals", true, "contacts arriving in one interval"},
    {"interval_s", true, "interval length in seconds, e.g. 1800"},
    {"aht_s", true, "average handle time in seconds (per conversation for chat)"},
    {"sl_target", true, "service-level target as a fraction, e.g. 0.8"},
    {"sl_seconds", true, "... answered within this many seconds, e.g. 20"},
    {"patience_s", false, "erlang-a: customers' mean patience in seconds"},
    {"concurrency", false, "conversations one agent works at once (chat, messaging); default 1"},
    {"max_occupancy", false, "keep occupancy at or below this fraction; default 1"},
    {"shrinkage", false, "fraction of paid time off the queue; default 0"},
    {"agents", false, "give the figures for this many agents instead of finding the fewest"},
};

// How the caller spells a parameter: "interval_s" in the API, "--interval-s" on the command line.
using Namer = std::function<std::string(std::string_view)>;

std::string apiName(std::string_view key) { return std::string(key); }

std::string cliName(std::string_view key) {
  std::string out = "--";
  for (char c : key) out += c == '_' ? '-' : c;
  return out;
}

const Param* findParam(std::string_view key) {
  for (const auto& p : kParams) {
    if (key == p.key) return &p;
  }
  return nullptr;
}

std::string knownList(const Namer& name) {
  std::string out;
  for (const auto& p : kParams) out += (out.empty() ? "" : ", ") + name(p.key);
  return out;
}

// 'text', cut to 40 characters (built by appending: GCC 12 warns falsely on "'" + std::string&&).
std::string quoted(const std::string& text) {
  std::string out(1, '\'');
  out.append(text, 0, 40).push_back('\'');
  return out;
}

core::Error bad(const Namer& name, std::string_view key, const std::string& what) {
  return makeError(ErrorCode::InvalidInput, name(key) + ": " + what);
}

core::Result<double> number(const Namer& name, std::string_view key, const std::string& text) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return bad(name, key, quoted(text) + " is not a number");
  }
  return v;
}

core::Result<std::int64_t> whole(const Namer& name, std::string_view key, const std::string& text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return bad(name, key, quoted(text) + " is not a whole number");
  }
  return v;
}

struct StaffingQuery {
  staffing::StaffingInput input;
  std::optional<std::int64_t> agents;
};

core::Result<StaffingQuery> parseQuery(const std::map<std::string, std::string>& params, const Namer& name) {
  for (const auto& [key, value] : params) {
    if (!findParam(key)) {
      return bad(name, std::string_view(key).substr(0, 40), "unknown parameter; the parameters are " + knownList(name));
    }
  }
  for (const auto& p : kParams) {
    if (p.required && !params.count(p.key)) return bad(name, p.key, std::string("is required (") + p.help + ")");
  }
  StaffingQuery q;
  auto& in = q.input;
  auto model = staffing::parseModel(params.at("model"));
  if (!model) return bad(name, "model", quoted(params.at("model")) + " is not a model; use erlang-c or erlang-a");
  in.model = *model;
  struct Target {
    const char* key;
    double* field;
  };
  for (Target t : {Target{"arrivals", &in.arrivals}, Target{"interval_s", &in.interval_s}, Target{"aht_s", &in.aht_s},
                   Target{"sl_target", &in.sl_target}, Target{"sl_seconds", &in.sl_seconds},
                   Target{"max_occupancy", &in.max_occupancy}, Target{"shrinkage", &in.shrinkage}}) {
    auto it = params.find(t.key);
    if (it == params.end()) continue;
    auto v = number(name, t.key, it->second);
    if (!v) return v.error();
    *t.field = *v;
  }
  if (auto it = params.find("patience_s"); it != params.end()) {
    auto v = number(name, "patience_s", it->second);
    if (!v) return v.error();
    in.patience_s = *v;
  }
  if (auto it = params.find("concurrency"); it != params.end()) {
    auto v = whole(name, "concurrency", it->second);
    if (!v) return v.error();
    if (*v < 1 || *v > staffing::kMaxConcurrency) return bad(name, "concurrency", "a whole number from 1 to 100");
    in.concurrency = static_cast<int>(*v);
  }
  if (auto it = params.find("agents"); it != params.end()) {
    auto v = whole(name, "agents", it->second);
    if (!v) return v.error();
    q.agents = *v;
  }
  return q;
}

// The core names fields by their API key ("interval_s: ..."); on the command line say "--interval-s".
core::Error renamed(core::Error error, const Namer& name) {
  auto colon = error.message.find(':');
  if (colon != std::string::npos && findParam(std::string_view(error.message).substr(0, colon))) {
    error.message = name(std::string_view(error.message).substr(0, colon)) + error.message.substr(colon);
  }
  return error;
}

core::Result<staffing::StaffingResult> run(const std::map<std::string, std::string>& params, const Namer& name) {
  auto q = parseQuery(params, name);
  if (!q) return q.error();
  auto r = q->agents ? staffing::evaluateAgents(q->input, *q->agents) : staffing::requiredAgents(q->input);
  if (!r) return renamed(r.error(), name);
  return r;
}

// The answer as one flat JSON object, the same bytes for the API and `--json`. Written by hand
// rather than with Boost.JSON, whose serializer prints every double in exponent form (1E1, 0E0);
// std::to_chars gives the shortest text that reads back to the same double ("10", "0.888...").
std::string toJson(const staffing::StaffingResult& r) {
  std::string out = "{";
  auto key = [&out](const char* name) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += name;
    out += "\":";
  };
  auto real = [&](const char* name, double v) {
    key(name);
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::isfinite(v) ? v : 0.0);
    out.append(buf, ec == std::errc() ? end : buf);
  };
  auto integer = [&](const char* name, std::int64_t v) {
    key(name);
    out += std::to_string(v);
  };
  key("model");
  out += '"';
  out += staffing::toString(r.model);  // erlang-c or erlang-a: nothing to escape
  out += '"';
  integer("agents", r.agents);
  integer("scheduled_agents", r.scheduled_agents);
  real("service_level", r.service_level);
  real("asa_s", r.asa_s);
  real("p_wait", r.p_wait);
  real("occupancy", r.occupancy);
  real("p_abandon", r.p_abandon);
  real("mean_wait_s", r.mean_wait_s);
  real("offered_load_erlangs", r.offered_load);
  key("meets_target");
  out += r.meets_target ? "true" : "false";
  out += '}';
  return out;
}

void printUsage(std::FILE* to) {
  std::fprintf(to,
               "usage: parley staffing --model erlang-c|erlang-a --arrivals N --interval-s S --aht-s S\n"
               "                       --sl-target F --sl-seconds S [--patience-s P] [--concurrency C]\n"
               "                       [--max-occupancy O] [--shrinkage S] [--agents N] [--json]\n\n");
  for (const auto& p : kParams) std::fprintf(to, "  %-16s %s\n", cliName(p.key).c_str(), p.help);
  std::fprintf(to, "  %-16s %s\n", "--json", "print the figures as one JSON object");
}

void printTable(const staffing::StaffingResult& r, const std::map<std::string, std::string>& params) {
  const bool chat = params.count("concurrency") && params.at("concurrency") != "1";
  std::printf("Staffing (%s)\n", std::string(staffing::toString(r.model)).c_str());
  std::printf("  %-26s %.2f erlangs\n", "offered load", r.offered_load);
  std::printf("  %-26s %lld%s\n", params.count("agents") ? "agents" : "agents needed", static_cast<long long>(r.agents),
              chat ? (" (x " + params.at("concurrency") + " conversations each)").c_str() : "");
  std::printf("  %-26s %lld\n", "scheduled (with shrinkage)", static_cast<long long>(r.scheduled_agents));
  std::printf("  %-26s %.1f%% within %s s\n", "service level", r.service_level * 100, params.at("sl_seconds").c_str());
  std::printf("  %-26s %.1f s\n", "average speed of answer", r.asa_s);
  std::printf("  %-26s %.1f%%\n", "probability of waiting", r.p_wait * 100);
  std::printf("  %-26s %.1f%%\n", "occupancy", r.occupancy * 100);
  std::printf("  %-26s %.1f%%\n", "abandoned", r.p_abandon * 100);
  if (!r.meets_target) std::printf("  these agents miss the target (service level or maximum occupancy)\n");
}

// The first parameter the query names twice (the parsed query keeps only the last value, so
// `arrivals=100&arrivals=5000` would silently compute 5000, where the CLI refuses the repeat).
std::optional<std::string> repeatedParam(const std::string& raw_query) {
  auto params = boost::urls::parse_query(raw_query);
  if (!params) return std::nullopt;  // the router parsed it already; nothing to add here
  std::set<std::string> seen;
  for (auto param : *params) {
    std::string key = param.key.decode();
    if (!seen.insert(key).second) return key.substr(0, 40);
  }
  return std::nullopt;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "parley staffing: %s\n(see parley staffing --help)\n", message.c_str());
  return 2;
}

}  // namespace

void addStaffingRoutes(Router& router) {
  router.add("GET", "/api/v1/staffing", Auth::User,
             "Staffing calculator (Erlang C / Erlang A, chat concurrency, occupancy cap, shrinkage): the fewest "
             "agents meeting sl_target within sl_seconds, or the figures for `agents`",
             [](Context& ctx) -> Response {
               if (auto twice = repeatedParam(ctx.request.raw_query)) {
                 return errorResponse(bad(apiName, *twice, "is given twice"));
               }
               auto r = run(ctx.request.query, apiName);
               if (!r) return errorResponse(r.error());
               return Response{200, toJson(*r), "application/json", {}};
             });
}

int staffingCommand(int argc, char** argv) {
  std::map<std::string, std::string> params;
  bool as_json = false;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      printUsage(stdout);
      return 0;
    }
    if (arg == "--json") {
      as_json = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return fail("unexpected argument " + quoted(arg));
    std::string option = arg.substr(2), value;
    if (auto eq = option.find('='); eq != std::string::npos) {
      value = option.substr(eq + 1);
      option.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail("--" + option + " needs a value");
    }
    std::string key = option;
    for (auto& c : key) c = c == '-' ? '_' : c;
    if (option.find('_') != std::string::npos || !findParam(key)) {
      return fail("unknown option --" + option + "; the options are " + knownList(cliName) + ", --json");
    }
    if (params.count(key)) return fail("--" + option + " is given twice");
    params[key] = value;
  }
  auto r = run(params, cliName);
  if (!r) return fail(r.error().message);
  if (as_json) {
    std::printf("%s\n", toJson(*r).c_str());
  } else {
    printTable(*r, params);
  }
  return 0;
}

}  // namespace parley::http
