// DESIGN: the REST API under /api/v1 and the webhooks, as routes on one Router. Handlers run
// on the worker pool (they block on the store), never on an I/O thread. dispatch() does what
// every route shares: match, authenticate (Bearer header or session cookie), CSRF for
// cookie-authenticated writes, and one catch-all that answers 500 with the request id.
#pragma once

#include <functional>
#include <string>

#include "app/attachment_store.hpp"
#include "app/auth_service.hpp"
#include "app/channel_gateway.hpp"
#include "app/clock.hpp"
#include "app/desk_service.hpp"
#include "app/secret_box.hpp"
#include "app/spell_checker.hpp"
#include "app/store.hpp"
#include "http/router.hpp"

namespace parley::app {
class RoutingService;
}

namespace parley::channels::email {
class EmailReceiver;
}

namespace parley::channels::webchat {
class VisitorService;
}

namespace parley::http {

struct ApiDeps {
  app::Store& store;
  app::AuthService& auth;
  app::DeskService& desk;
  app::AttachmentStore& attachments;
  const app::Clock& clock;
  std::function<void()> wake_outbox = [] {};
  bool secure_cookies = false;  // set Secure on cookies (behind TLS)
  app::ChannelGateways gateways = {};  // to check a channel inbox's config
  std::function<void()> wake_media_fetcher = [] {};
  // Seals the credentials in inbox configurations; null stores them as they are (tests only).
  std::shared_ptr<const app::SecretBox> secrets = nullptr;
  std::function<void()> wake_email_poller = [] {};  // an e-mail inbox was created or changed
  std::function<void()> wake_template_sync = [] {};  // a WhatsApp inbox was created or changed
  channels::email::EmailReceiver* email_receiver = nullptr;  // raw mail in (the inbound-mail webhook)
  app::SpellChecker* spell_checker = nullptr;                // the composer's spell check
  channels::webchat::VisitorService* webchat = nullptr;     // the web-chat widget API and visitor streams
  app::RoutingService* routing = nullptr;                    // queues, offers, transfers (503 without)
};

void addAuthRoutes(Router& router, ApiDeps& deps);
void addAdminRoutes(Router& router, ApiDeps& deps);
void addDeskRoutes(Router& router, ApiDeps& deps);
void addApiChannelRoutes(Router& router, ApiDeps& deps);
void addWhatsAppRoutes(Router& router, ApiDeps& deps);
void addWhatsAppTemplateRoutes(Router& router, ApiDeps& deps);  // http/api_whatsapp_templates.cpp
void addMessengerRoutes(Router& router, ApiDeps& deps);  // Messenger and Instagram
void addTelegramRoutes(Router& router, ApiDeps& deps);
void addEmailRoutes(Router& router, ApiDeps& deps);
void addTwilioRoutes(Router& router, ApiDeps& deps);  // http/webhooks_twilio.cpp
void addXRoutes(Router& router, ApiDeps& deps);       // http/webhooks_x.cpp
void addWidgetRoutes(Router& router, ApiDeps& deps);  // http/widget_api.cpp
void addAllRoutes(Router& router, ApiDeps& deps);

Response dispatch(const Router& router, ApiDeps& deps, const Request& request, std::string& route_pattern);

// The OpenAPI 3.1 document, generated from the route table.
std::string openApiDocument(const Router& router);

constexpr const char* kSessionCookie = "parley_session";

}  // namespace parley::http

// Unwraps a Result into `var`, or returns its error as the response.
#define PARLEY_TRY(var, expr)                                       \
  auto var##_result = (expr);                                       \
  if (!var##_result) return ::parley::http::errorResponse(var##_result.error()); \
  auto& var = *var##_result
#define PARLEY_CHECK(expr)                                               \
  do {                                                                   \
    auto parley_status_ = (expr);                                        \
    if (!parley_status_) return ::parley::http::errorResponse(parley_status_.error()); \
  } while (0)
