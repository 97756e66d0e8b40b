// The composition root: reads configuration, builds the store, services, channels and the
// HTTP server, runs them, and drains on SIGTERM/SIGINT. Subcommands:
//   parley serve [--config parley.toml]
//   parley migrate [--config parley.toml]
//   parley admin create-user --email E --password P --role admin|supervisor|agent [--name N] [--tenant T]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

#include "app/attachment_store.hpp"
#include "app/auth_service.hpp"
#include "app/config.hpp"
#include "app/crypto.hpp"
#include "app/desk_service.hpp"
#include "app/routing_service.hpp"
#include "app/background_loop.hpp"
#include "app/identity.hpp"
#include "app/inbox_configs.hpp"
#include "app/media_fetcher.hpp"
#include "app/profile_fetcher.hpp"
#include "app/outbox_worker.hpp"
#include "app/secret_box.hpp"
#include "app/simulate_command.hpp"
#include "bus/in_process_bus.hpp"
#include "channels/api/api_channel.hpp"
#include "channels/common/send_rate.hpp"
#include "channels/email/email_channel.hpp"
#include "channels/email/email_poller.hpp"
#include "channels/messenger/messenger_gateway.hpp"
#include "channels/telegram/telegram_gateway.hpp"
#include "channels/twilio/twilio_gateway.hpp"
#include "channels/webchat/visitor_service.hpp"
#include "channels/webchat/webchat_gateway.hpp"
#include "channels/whatsapp/whatsapp_gateway.hpp"
#include "channels/whatsapp/whatsapp_template_sync.hpp"
#include "channels/x/x_gateway.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "http/json.hpp"
#include "http/staffing_api.hpp"
#include "mail/mime.hpp"
#include "store/open_store.hpp"

extern char** environ;

namespace {

using namespace parley;

struct Args {
  std::string command, subcommand;
  std::map<std::string, std::string> options;
  std::string without_value;  // a last option with no value after it (checked after its name)
  bool help = false;          // --help or -h anywhere
};

Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      a.help = true;
    } else if (arg.rfind("--", 0) == 0) {
      std::string key = arg.substr(2), value;
      if (auto eq = key.find('='); eq != std::string::npos) {
        value = key.substr(eq + 1);
        key.resize(eq);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        a.without_value = key;  // an unknown option is reported as such first (checkOptions)
      }
      a.options[key] = value;
    } else if (a.command.empty()) {
      a.command = arg;
    } else if (a.subcommand.empty()) {
      a.subcommand = arg;
    } else {
      throw std::runtime_error("unexpected argument: " + arg);
    }
  }
  return a;
}

void checkOptions(const Args& args, std::initializer_list<const char*> allowed) {
  for (const auto& [k, v] : args.options) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) throw std::runtime_error("unknown option --" + k);
  }
  if (!args.without_value.empty()) throw std::runtime_error("option --" + args.without_value + " needs a value");
}

std::unique_ptr<app::Store> openOrDie(const app::Config& config) {
  auto store = store::openStore(config.database_url);
  if (!store) throw std::runtime_error("cannot open the database " + config.database_url + ": " + store.error().message);
  return std::move(*store);
}

// On a fresh database: a demo tenant and an admin whose password is printed once.
void createDemo(app::Store& store, app::AuthService& auth, const app::Clock& clock) {
  std::int64_t users = 0;
  auto counted = store.read([&](app::StoreTx& tx) -> core::Status {
    auto n = tx.countUsers();
    if (!n) return n.error();
    users = *n;
    return {};
  });
  if (!counted || users > 0) return;
  core::TenantId tenant;
  auto created = store.write([&](app::StoreTx& tx) -> core::Status {
    auto id = tx.createTenant(core::Tenant{{}, "Demo", clock.now()});
    if (!id) return id.error();
    tenant = *id;
    return {};
  });
  if (!created) throw std::runtime_error("cannot create the demo tenant: " + created.error().message);
  const std::string password = app::randomHex(8);
  core::User admin;
  admin.tenant_id = tenant;
  admin.email = "admin@parley.local";
  admin.name = "Admin";
  admin.role = core::Role::Admin;
  auto user = auth.createUser(admin, password);
  if (!user) throw std::runtime_error("cannot create the demo admin: " + user.error().message);
  std::printf("\n  Parley is set up with a demo tenant.\n  Log in as  %s  with password  %s\n"
              "  (shown once; change it with PATCH /api/v1/users/%lld {\"password\", \"current_password\"}\n"
              "   or `parley admin set-password`)\n\n",
              admin.email.c_str(), password.c_str(), static_cast<long long>(user->id.value));
  std::fflush(stdout);
}

int serve(const app::Config& config) {
  const auto boot = std::chrono::steady_clock::now();
  auto trusted_proxies = http::TrustedProxies::parse(config.trusted_proxies);
  if (!trusted_proxies) throw std::runtime_error("config " + trusted_proxies.error().message);
  for (const auto& name : config.unknown_environment) {
    http::logJson("warn", "environment variable names no setting (ignored); `parley config-keys` lists them", {{"variable", name}});
  }
  // The key first: a bad secret_key stops the start before a database and a demo admin (whose
  // password is printed once) are created.
  auto box = app::SecretBox::load(config.secret_key, config.data_dir);
  if (!box) throw std::runtime_error((config.secret_key.empty() ? "" : "config ") + box.error().message);
  auto secrets = std::make_shared<const app::SecretBox>(std::move(*box));
  app::SystemClock clock;
  auto store = openOrDie(config);
  app::PasswordHasher hasher(config.password_hash_concurrency);
  app::AuthLimits limits;
  limits.attempts_per_account = config.login_attempts_per_account;
  limits.attempts_per_address = config.login_attempts_per_address;
  limits.session_ttl_ms = static_cast<core::TimestampMs>(config.session_ttl_hours) * 3600 * 1000;
  app::AuthService auth(*store, hasher, clock, limits);
  if (config.create_demo) createDemo(*store, auth, clock);

  // Event ids: microseconds at start, then one up per event, so a later process's ids are larger.
  const auto first_event_id = static_cast<std::uint64_t>(clock.now()) * 1000;
  bus::InProcessBus bus(first_event_id);
  const auto attachments_root = std::filesystem::path(config.data_dir) / "attachments";
  mail::initMime();
  app::ChannelGateways gateways{
      {core::ChannelKind::Api, std::make_shared<channels::api::ApiChannelGateway>()},
      {core::ChannelKind::WhatsApp, std::make_shared<channels::whatsapp::WhatsAppGateway>(attachments_root, 15'000, secrets)},
      {core::ChannelKind::Messenger, std::make_shared<channels::messenger::MessengerGateway>(
                                         channels::messenger::Product::Messenger, attachments_root, 15'000, secrets)},
      {core::ChannelKind::Instagram, std::make_shared<channels::messenger::MessengerGateway>(
                                         channels::messenger::Product::Instagram, attachments_root, 15'000, secrets)},
      {core::ChannelKind::Telegram, std::make_shared<channels::telegram::TelegramGateway>(attachments_root, 15'000, secrets)},
      {core::ChannelKind::Twilio, std::make_shared<channels::twilio::TwilioGateway>(15'000, secrets)},
      {core::ChannelKind::X, std::make_shared<channels::x::XGateway>(15'000, secrets, std::make_shared<app::StoreInboxConfigs>(*store),
                                                                    attachments_root)},
      {core::ChannelKind::Email, std::make_shared<channels::email::EmailGateway>(attachments_root, secrets)},
      {core::ChannelKind::WebChat, std::make_shared<channels::webchat::WebChatGateway>()}};
  app::DeskService desk(*store, bus, clock, gateways);
  app::AttachmentStore attachments(*store, clock, attachments_root, config.attachment_max_bytes);
  app::MediaFetcher media_fetcher(*store, desk, attachments, clock, gateways);
  // Attachment files no message uses any more (unsent by the customer, saved by a request that
  // then failed) are removed every attachment_sweep_seconds, once unused for that long and at
  // least an hour (a message's files are saved before its commit; see attachment_store.hpp).
  // The first sweep waits a few minutes: it walks every file, which the start need not wait for.
  std::atomic<std::int64_t> blobs_removed{0};
  const auto sweep_every = std::chrono::seconds(config.attachment_sweep_seconds);
  const auto sweep_grace = std::max<std::chrono::seconds>(sweep_every, std::chrono::hours(1));
  const auto first_sweep_after = std::min<std::chrono::seconds>(sweep_every, std::chrono::minutes(5));
  app::BackgroundLoop blob_sweep(
      [&attachments, &blobs_removed, &blob_sweep, sweep_every, sweep_grace,
       next_sweep = std::chrono::steady_clock::now() + first_sweep_after]() mutable {
        if (std::chrono::steady_clock::now() < next_sweep) return 0;
        next_sweep = std::chrono::steady_clock::now() + sweep_every;
        auto swept = attachments.sweepUnreferencedBlobs(sweep_grace, [&blob_sweep] { return blob_sweep.stopping(); });
        blobs_removed += swept.removed + swept.temporary_removed;
        if (swept.removed > 0 || swept.temporary_removed > 0) {
          http::logJson("info", "attachment sweep", {{"removed", std::to_string(swept.removed)},
                                                     {"bytes_freed", std::to_string(swept.bytes_freed)},
                                                     {"temporary_removed", std::to_string(swept.temporary_removed)}});
        }
        if (swept.skipped_wrong_database) {
          http::logJson("warn", "attachment sweep skipped: the database names no attachment file, but "
                                "data_dir/attachments holds old ones (is this the right database for this data_dir?)");
        }
        if (swept.error) http::logJson("warn", "attachment sweep stopped", {{"error", swept.error->message}});
        return 0;  // the next sweep after attachment_sweep_seconds
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(first_sweep_after));
  // Names new Messenger / Instagram customers from the profile API, off the request path.
  app::ProfileFetcher profile_fetcher(*store, bus, clock, gateways);
  bus.subscribe([&profile_fetcher](const app::Event& e) { profile_fetcher.onEvent(e); });
  app::OutboxPolicy policy;
  policy.max_attempts = config.outbox_max_attempts;
  policy.send_rate = channels::inboxSendRate;  // per sender: the provider's rate or the inbox's own
  app::OutboxWorkers outbox(*store, desk, clock, gateways, policy, config.outbox_workers);
  channels::email::EmailReceiver email_receiver(desk, attachments);
  channels::email::PollerOptions poller_options;
  poller_options.workers = config.email_poll_workers;
  channels::email::EmailPoller email_poller(*store, email_receiver, clock, secrets, poller_options);

  std::atomic<std::uint64_t> messages_in{0}, messages_out{0};
  bus.subscribe([&](const app::Event& e) {
    if (e.type != "message.created") return;
    const auto& m = std::get<core::Message>(e.subject);
    if (m.direction == core::MessageDirection::Incoming) ++messages_in;
    if (m.direction == core::MessageDirection::Outgoing) ++messages_out;
  });

  http::ApiDeps deps{*store,    auth, desk, attachments, clock, [&outbox] { outbox.wake(); }, config.secure_cookies,
                     gateways,  [&media_fetcher] { media_fetcher.wake(); }};
  deps.secrets = secrets;
  deps.wake_email_poller = [&email_poller] { email_poller.wake(); };
  channels::whatsapp::TemplateSyncer template_syncer(*store, clock, secrets);
  deps.wake_template_sync = [&template_syncer] { template_syncer.wake(); };
  deps.email_receiver = &email_receiver;
  app::SpellChecker spell_checker(config.dictionaries_dir);
  // Paths a typo leaves silently empty: say so at start, not when the first agent asks.
  for (const char* dictionary : {"de_DE.dic", "en_US.dic"}) {
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(config.dictionaries_dir) / dictionary, ec)) {
      http::logJson("warn", "spell check dictionary missing: the composer's spell check answers 503 for this language",
                    {{"dictionaries_dir", config.dictionaries_dir}, {"file", dictionary}});
    }
  }
  if (std::error_code ec; !config.static_dir.empty() &&
                          !std::filesystem::exists(std::filesystem::path(config.static_dir) / "index.html", ec)) {
    http::logJson("warn", "static_dir has no index.html: the desk is not served at /", {{"static_dir", config.static_dir}});
  }
  deps.spell_checker = &spell_checker;
  channels::webchat::VisitorService webchat(*store, desk, attachments, clock);
  deps.webchat = &webchat;
  // Routing (ACD): one engine per tenant, rebuilt from the store now, fed by the desk's events;
  // its own thread drains them, fires the engines' timers and sends the queue figures.
  app::RoutingService routing(*store, bus, clock, desk);
  if (auto s = routing.start(); !s) throw std::runtime_error("routing: " + s.error().message);
  deps.routing = &routing;
  http::setRoutingStateSource([&routing](const core::Conversation& c) { return routing.routingState(c); });
  app::BackgroundLoop routing_loop([&routing] { return routing.pass(); }, std::chrono::milliseconds(100));
  bus.subscribe([&webchat](const app::Event& e) {
    if (e.type == "user.availability") webchat.forgetPresence();  // the widget's "online" follows at once
  });
  http::Router router;
  http::addAllRoutes(router, deps);
  http::Metrics metrics;
  http::ServerOptions options;
  options.first_event_id = first_event_id;
  options.host = config.host;
  options.port = config.port;
  options.body_limit = static_cast<std::size_t>(config.body_limit_bytes);
  options.worker_threads = config.worker_threads;
  options.static_dir = config.static_dir;
  options.log_requests = config.log_requests;
  options.trusted_proxies = *trusted_proxies;
  http::Server server(options, router, deps, metrics, bus, [&store] { return store->healthy(); });
  metrics.addCounter("parley_messages_in_total", "incoming messages stored", [&] { return double(messages_in); });
  metrics.addCounter("parley_messages_out_total", "outgoing replies stored", [&] { return double(messages_out); });
  metrics.addCounter("parley_outbox_delivered_total", "outbox deliveries that succeeded", [&] { return double(outbox.delivered()); });
  metrics.addCounter("parley_outbox_failed_total", "outbox deliveries that failed for good", [&] { return double(outbox.failed()); });
  metrics.addCounter("parley_media_fetched_total", "provider media files downloaded", [&] { return double(media_fetcher.fetched()); });
  metrics.addCounter("parley_media_failed_total", "provider media files given up on", [&] { return double(media_fetcher.failed()); });
  metrics.addCounter("parley_attachment_files_removed_total", "attachment files removed: blobs no message uses any more, and temporary files a crash left", [&] { return double(blobs_removed.load()); });
  metrics.addCounter("parley_profiles_named_total", "contacts named from a channel's profile API", [&] { return double(profile_fetcher.named()); });
  metrics.addCounter("parley_email_fetched_total", "mails fetched over IMAP and stored", [&] { return double(email_poller.fetched()); });
  metrics.addCounter("parley_email_poll_failures_total", "IMAP polls that failed (network, login)", [&] { return double(email_poller.failedPolls()); });
  metrics.addGauge("parley_outbox_depth", "outbox items waiting for delivery", [&store] {
    std::int64_t depth = -1;
    (void)store->read([&](app::StoreTx& tx) -> core::Status {
      auto d = tx.outboxDepth();
      if (d) depth = *d;
      return {};
    });
    return double(depth);
  });
  metrics.addGauge("parley_websocket_connections", "open WebSocket streams", [&server] { return double(server.webSocketClients()); });

  const auto port = server.listen();
  outbox.start();
  media_fetcher.start();
  profile_fetcher.start();
  email_poller.start();
  template_syncer.start();
  routing_loop.start();
  if (config.attachment_sweep_seconds > 0) blob_sweep.start();
  const auto ready_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - boot).count();
  // An IPv6 address goes in brackets in a URL: http://[::1]:8080.
  const std::string url = "http://" + (config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host) + ":" +
                          std::to_string(port);
  http::logJson("info", "listening", {{"url", url}, {"database", store->backendName()}, {"startup_ms", std::to_string(ready_ms)}});
  std::printf("Parley is serving on %s\n", url.c_str());
  std::fflush(stdout);
  server.run();  // until SIGTERM/SIGINT, then drains
  server.waitForWorkers();
  http::logJson("info", "draining: stopping the outbox, the media fetcher and the e-mail poller");
  outbox.stop();
  media_fetcher.stop();
  profile_fetcher.stop();
  email_poller.stop();
  template_syncer.stop();
  routing_loop.stop();
  (void)routing.saveFigures(true);  // today's queue figures, for the next start
  blob_sweep.stop();
  store.reset();  // the SQLite writer finishes its queue and closes
  http::logJson("info", "stopped");
  return 0;
}

int adminCreateUser(const app::Config& config, const Args& args) {
  for (const char* required : {"email", "password", "role"}) {
    if (!args.options.count(required)) throw std::runtime_error(std::string("missing --") + required);
  }
  auto role = core::parseRole(args.options.at("role"));
  if (!role) throw std::runtime_error("--role must be admin, supervisor or agent");
  app::SystemClock clock;
  auto store = openOrDie(config);
  app::PasswordHasher hasher;
  app::AuthService auth(*store, hasher, clock);
  core::TenantId tenant{1};
  if (args.options.count("tenant")) {
    try {
      tenant = core::TenantId{std::stoll(args.options.at("tenant"))};
    } catch (const std::exception&) {
      throw std::runtime_error("--tenant must be a tenant id (a number)");
    }
  }
  // A fresh database gets its first tenant here.
  auto ensured = store->write([&](app::StoreTx& tx) -> core::Status {
    if (tx.getTenant(tenant)) return {};
    if (args.options.count("tenant")) return core::makeError(core::ErrorCode::NotFound, "no tenant " + std::to_string(tenant.value));
    auto id = tx.createTenant(core::Tenant{{}, "Default", clock.now()});
    if (!id) return id.error();
    tenant = *id;
    return {};
  });
  if (!ensured) throw std::runtime_error(ensured.error().message);
  core::User user;
  user.tenant_id = tenant;
  user.email = args.options.at("email");
  user.role = *role;
  if (args.options.count("name")) user.name = args.options.at("name");
  auto created = auth.createUser(user, args.options.at("password"));
  if (!created) throw std::runtime_error(created.error().message);
  std::printf("created user %lld (%s, %s) in tenant %lld\n", static_cast<long long>(created->id.value),
              created->email.c_str(), std::string(core::toString(created->role)).c_str(),
              static_cast<long long>(tenant.value));
  return 0;
}

int adminSetPassword(const app::Config& config, const Args& args) {
  for (const char* required : {"email", "password"}) {
    if (!args.options.count(required)) throw std::runtime_error(std::string("missing --") + required);
  }
  auto store = openOrDie(config);
  app::PasswordHasher hasher;
  auto hash = hasher.hash(args.options.at("password"));
  if (!hash) throw std::runtime_error(hash.error().message);
  auto email = app::normalizeEmail(args.options.at("email"));
  if (!email) throw std::runtime_error(email.error().message);
  auto updated = store->write([&](app::StoreTx& tx) -> core::Status {
    auto user = tx.findUserByEmail(*email);
    if (!user) return core::makeError(user.error().code, "no user with the e-mail " + *email);
    user->password_hash = *hash;
    user->active = true;
    if (auto s = tx.updateUser(*user); !s) return s;
    return tx.deleteUserSessions(user->tenant_id, user->id, "");  // whoever was logged in logs in again
  });
  if (!updated) throw std::runtime_error(updated.error().message);
  std::printf("password of %s changed\n", email->c_str());
  return 0;
}

void usage() {
  std::fprintf(stderr,
               "usage: parley serve [--config parley.toml]\n"
               "       parley migrate [--config parley.toml]\n"
               "       parley admin create-user --email E --password P --role admin|supervisor|agent [--name N] "
               "[--tenant T] [--config parley.toml]\n"
               "       parley admin set-password --email E --password P [--config parley.toml]\n"
               "       parley staffing --model erlang-c|erlang-a --arrivals N --interval-s S --aht-s S --sl-target F "
               "--sl-seconds S [--patience-s P] [--concurrency C] [--max-occupancy O] [--shrinkage S] [--agents N] [--json]\n"
               "       parley simulate --scenario FILE [--seed N] [--hours H] [--agents N] [--json]\n"
               "       parley config-keys\n");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // Before parseArgs: staffing and simulate have flags without values (--json).
    if (argc >= 2 && std::string(argv[1]) == "staffing") return http::staffingCommand(argc - 2, argv + 2);
    if (argc >= 2 && std::string(argv[1]) == "simulate") return app::simulateCommand(argc - 2, argv + 2);
    Args args = parseArgs(argc, argv);
    if (args.help || args.command.empty() || args.command == "help") {
      usage();
      return args.help || args.command == "help" ? 0 : 2;
    }
    if (args.command == "config-keys") {
      checkOptions(args, {});
      for (const auto& key : app::kConfigKeys) std::printf("%-28s PARLEY_%s\n    %s\n", key.name, [&] {
          std::string u = key.name;
          for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          return u;
        }().c_str(), key.help);
      return 0;
    }
    const std::string config_path = args.options.count("config") ? args.options.at("config") : "";
    if (args.command == "serve") {
      checkOptions(args, {"config"});
      return serve(app::loadConfig(config_path, environ));
    }
    if (args.command == "migrate") {
      checkOptions(args, {"config"});
      auto store = openOrDie(app::loadConfig(config_path, environ));
      std::printf("database is migrated (%s)\n", store->backendName().c_str());
      return 0;
    }
    if (args.command == "admin" && args.subcommand == "create-user") {
      checkOptions(args, {"config", "email", "password", "role", "name", "tenant"});
      return adminCreateUser(app::loadConfig(config_path, environ), args);
    }
    if (args.command == "admin" && args.subcommand == "set-password") {
      checkOptions(args, {"config", "email", "password"});
      return adminSetPassword(app::loadConfig(config_path, environ), args);
    }
    usage();
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley: %s\n", e.what());
    return 1;
  }
}
