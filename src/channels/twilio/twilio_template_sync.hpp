// DESIGN: the I/O half of WhatsApp templates through Twilio: reads a Twilio WhatsApp inbox's
// Content API listing (twilio_content.hpp) page by page through the shared template sync
// (channels/whatsapp/whatsapp_template_sync.hpp), which bounds, stores and schedules it.
#pragma once

#include "app/clock.hpp"
#include "app/secret_box.hpp"
#include "app/store.hpp"
#include "channels/whatsapp/whatsapp_template_sync.hpp"

namespace parley::channels::twilio {

// Blocking. NotConfigured for a Twilio inbox whose number is not a WhatsApp sender; Rejected for
// Twilio's 4xx (a bad token), Unavailable for the network, 429 and 5xx.
whatsapp::TemplateSyncOutcome syncContentTemplates(app::Store& store, const app::Clock& clock, const app::SecretBox* secrets,
                                                   const core::Inbox& inbox, const whatsapp::TemplateSyncOptions& options);

}  // namespace parley::channels::twilio
