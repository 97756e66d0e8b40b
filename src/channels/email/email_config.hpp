// The configuration of an e-mail inbox (the `config` object of POST /api/v1/inboxes with
// channel "email"); every key is documented in docs/channels/EMAIL.md. Passwords are sealed at
// rest (app/secret_box.hpp) and opened only right before a connection.
#pragma once

#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/result.hpp"

namespace parley::channels::email {

struct MailServer {
  std::string url;  // imaps://host:993/INBOX, imap://host:143/INBOX, smtps://host:465, smtp://host:587
  std::string user;
  std::string password;
};

struct InboxConfig {
  std::string address;       // the inbox's own address, lower-case: From of every reply
  std::string display_name;  // the From name of replies; empty: the inbox's name
  MailServer imap;           // empty url: no polling (mail arrives through the inbound webhook)
  std::string mailbox = "INBOX";  // from the IMAP URL's path
  MailServer smtp;
  int poll_interval_s = 60;
  std::string signature_de;
  std::string signature_en;
  bool quote_history = false;  // replies quote the customer's last mail below the answer
  bool tls_verify = true;      // false only for test servers with self-signed certificates
  std::string ca_file;         // a CA bundle for servers with a private CA
  // imap:// and smtp:// must upgrade with STARTTLS unless the host is loopback or this is set.
  bool allow_plaintext = false;
  // Senders that write on someone else's behalf (a web form, a shop system: From
  // noreply@shop.example, Reply-To the customer), lower-case. Their mails, and mails From the
  // inbox's own address that Parley did not send, belong to the Reply-To's contact.
  std::vector<std::string> form_senders;
};

// The plain configuration (secrets opened). InvalidInput naming the key for anything wrong.
core::Result<InboxConfig> parseInboxConfig(const std::string& config_json);

// The domain of the inbox's address ("support@acme.example" -> "acme.example").
std::string domainOf(const std::string& address);

}  // namespace parley::channels::email
