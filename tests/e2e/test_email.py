"""End to end: the e-mail channel against real mail servers on loopback. Dovecot serves the
IMAP mailbox Parley polls; an aiosmtpd server receives the agents' replies. Raw mails are
delivered into the mailbox with IMAP APPEND, as an MTA's delivery would leave them."""
import base64
import email
import email.header
import email.policy
import os
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Parley, wait_for  # noqa: E402
from mailservers import Dovecot, SmtpSink  # noqa: E402

ADDRESS = "support@acme.example"
# A real, minimal PDF; it must come back byte for byte.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
       + bytes(range(256)))


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("latin-1")


def quoted_printable_mail(message_id):
    # ISO-8859-1, quoted-printable, an encoded-word subject made of two adjacent words.
    return crlf("From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <Juergen.Mueller@Example.DE>\n"
                "To: Acme Support <support@acme.example>\n"
                "Subject: =?UTF-8?Q?Rechnung_M=C3=A4rz?= =?UTF-8?Q?_stimmt_nicht?=\n"
                "Date: Tue, 01 Dec 2026 09:15:00 +0100\n"
                "Message-ID: <%s>\n"
                "MIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=ISO-8859-1\n"
                "Content-Transfer-Encoding: quoted-printable\n\n"
                "Guten Tag,\n\nmeine Rechnung f=FCr M=E4rz ist zu hoch. Gr=FC=DFe aus K=F6ln\n"
                "J=FCrgen M=FCller\n" % message_id)


def pdf_mail(message_id, sender="Erika Mustermann <erika@example.org>"):
    b64 = base64.encodebytes(PDF).decode()
    return crlf("From: %s\nTo: support@acme.example\nSubject: Vertrag anbei\nMessage-ID: <%s>\n"
                "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
                "--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                "Anbei der Vertrag.\n"
                "--b1\nContent-Type: application/pdf; name=\"vertrag.pdf\"\n"
                "Content-Disposition: attachment; filename=\"vertrag.pdf\"\nContent-Transfer-Encoding: base64\n\n"
                "%s--b1--\n" % (sender, message_id, b64))


def utf8_mail(message_id, subject, body, sender="Juergen.Mueller@example.de", headers=""):
    raw = ("From: %s\r\nTo: support@acme.example\r\nSubject: %s\r\nMessage-ID: <%s>\r\n%s"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
           % (sender, subject, message_id, headers.replace("\n", "\r\n"))).encode()
    return raw + body.replace("\n", "\r\n").encode() + b"\r\n"


class EmailChannelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dovecot = Dovecot()
        cls.smtp = SmtpSink(require_auth=("parley-smtp", "smtp-passwort"))
        cls.parley = Parley()
        cls.token = cls.parley.login()
        status, inbox, _ = cls.parley.request("POST", "/api/v1/inboxes", {
            "name": "Support", "channel": "email",
            "config": {"address": ADDRESS, "display_name": "Acme Support",
                       "imap_url": cls.dovecot.imap_url(), "imap_user": cls.dovecot.user,
                       "imap_password": cls.dovecot.password,
                       "smtp_url": cls.smtp.url(), "smtp_user": "parley-smtp", "smtp_password": "smtp-passwort",
                       "poll_interval_s": 5,
                       "signature": {"de": "Viele Grüße\nIhr Acme-Team", "en": "Kind regards\nAcme"}}},
            token=cls.token)
        assert status == 201, inbox
        cls.inbox = inbox

    @classmethod
    def tearDownClass(cls):
        cls.parley.close()
        cls.smtp.stop()
        cls.dovecot.stop()

    # --- helpers ---------------------------------------------------------------------------
    def get(self, path):
        status, body, _ = self.parley.request("GET", path, token=self.token)
        self.assertEqual(status, 200, body)
        return body

    def conversations(self):
        return self.get("/api/v1/conversations?inbox_id=%d&limit=100" % self.inbox["id"])["data"]

    def messages(self, conversation_id):
        return self.get("/api/v1/conversations/%d/messages?limit=100" % conversation_id)["data"]

    def all_messages(self):
        out = []
        for inbox in self.get("/api/v1/inboxes")["data"]:
            for c in self.get("/api/v1/conversations?inbox_id=%d&limit=100" % inbox["id"])["data"]:
                out += self.messages(c["id"])
        return out

    def message_by_external_id(self, external_id, timeout=30):
        def find():
            for m in self.all_messages():
                if m["external_id"] == external_id:
                    return m
            return None
        return wait_for(find, timeout=timeout, interval=0.3)

    def deliver(self, raw):
        return self.dovecot.append(raw)

    def reply(self, conversation_id, text):
        status, body, _ = self.parley.request("POST", "/api/v1/conversations/%d/messages" % conversation_id,
                                              {"text": text}, token=self.token)
        self.assertEqual(status, 201, body)
        return body

    def wait_status(self, message_id, conversation_id, wanted, timeout=30):
        def check():
            for m in self.messages(conversation_id):
                if m["id"] == message_id and m["delivery_status"] in wanted:
                    return m
            return None
        return wait_for(check, timeout=timeout, interval=0.2)

    # --- the tests, in order (they share the mailbox) -------------------------------------
    def test_01_credentials_are_stored_encrypted_and_never_returned(self):
        config = self.get("/api/v1/inboxes/%d" % self.inbox["id"])["config"]
        self.assertEqual(config["imap_password"], "********")
        self.assertEqual(config["smtp_password"], "********")
        self.assertEqual(config["imap_url"], self.dovecot.imap_url())
        db = sqlite3.connect(os.path.join(self.parley.data_dir, "parley.db"))
        stored = db.execute("SELECT config_json FROM inboxes WHERE id = ?", (self.inbox["id"],)).fetchone()[0]
        db.close()
        self.assertNotIn(self.dovecot.password, stored)
        self.assertNotIn("smtp-passwort", stored)
        self.assertIn("sealed:v1:", stored)
        self.assertTrue(os.path.exists(os.path.join(self.parley.data_dir, "secret.key")))
        # A password in the URL is refused: it would not be encrypted.
        status, body, _ = self.parley.request("POST", "/api/v1/inboxes", {
            "name": "Bad", "channel": "email",
            "config": {"address": "x@acme.example", "imap_url": "imap://u:p@127.0.0.1:1/INBOX", "imap_user": "u",
                       "smtp_url": "smtp://127.0.0.1:1"}}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("imap_url", body["error"]["message"])

    def test_02_german_quoted_printable_mail_with_encoded_subject(self):
        self.deliver(quoted_printable_mail("qp-1@example.de"))
        m = self.message_by_external_id("qp-1@example.de")
        self.assertIn("meine Rechnung für März ist zu hoch. Grüße aus Köln", m["text"])
        self.assertEqual(m["payload"]["subject"], "Rechnung März stimmt nicht")
        self.assertEqual(m["payload"]["from"]["name"], "Jürgen Müller")
        contact = self.get("/api/v1/contacts/%d" % m["sender_contact_id"])
        self.assertEqual(contact["name"], "Jürgen Müller")
        values = [i["value"] for i in contact.get("identities", [])]
        self.assertIn("juergen.mueller@example.de", values, "the sender's address, lower-cased, is an identity")
        self.__class__.first_conversation = m["conversation_id"]

    def test_03_pdf_attachment_arrives_byte_identical(self):
        self.deliver(pdf_mail("pdf-1@example.org"))
        m = self.message_by_external_id("pdf-1@example.org")
        self.assertEqual(len(m["attachment_ids"]), 1)
        status, body, headers = self.parley.request("GET", "/api/v1/attachments/%d" % m["attachment_ids"][0],
                                                    token=self.token)
        self.assertEqual(status, 200)
        self.assertEqual(body, PDF)
        self.assertIn("vertrag.pdf", headers.get("Content-Disposition", ""))
        self.assertNotEqual(m["conversation_id"], self.first_conversation, "another sender, another conversation")

    def test_04_agent_reply_goes_out_over_smtp_with_the_thread_headers(self):
        before = len(self.smtp.messages())
        sent = self.reply(self.first_conversation, "Guten Tag Herr Müller, wir prüfen das.")
        done = self.wait_status(sent["id"], self.first_conversation, ("sent", "delivered", "read"))
        received = self.smtp.wait_for(before + 1, timeout=30)[-1]
        self.assertEqual(received["rcpt_tos"], ["juergen.mueller@example.de"])
        self.assertEqual(received["mail_from"], ADDRESS)
        self.assertEqual(received["auth_user"], "parley-smtp")
        mail = email.message_from_bytes(received["data"], policy=email.policy.default)
        self.assertEqual(mail["In-Reply-To"], "<qp-1@example.de>")
        self.assertIn("<qp-1@example.de>", mail["References"])
        self.assertTrue(mail["Message-ID"].endswith("@acme.example>"), mail["Message-ID"])
        self.assertEqual(done["external_id"], mail["Message-ID"].strip("<>"))
        self.assertTrue(str(mail["Subject"]).startswith("Re: Rechnung März stimmt nicht [#%d-" % self.first_conversation),
                        mail["Subject"])
        self.assertEqual(mail["From"].addresses[0].addr_spec, ADDRESS)
        self.assertEqual(mail["From"].addresses[0].display_name, "Acme Support")
        body = mail.get_body(("plain",)).get_content()
        self.assertIn("wir prüfen das.", body)
        self.assertIn("Kind regards", body, "the signature in the agent's language (the demo admin writes English)")
        html = mail.get_body(("html",)).get_content()
        self.assertIn("Guten Tag Herr Müller, wir prüfen das.", html)
        self.assertIn("Kind regards", html)
        self.__class__.our_message_id = done["external_id"]
        self.__class__.our_subject = str(mail["Subject"])

    def test_05_replies_thread_by_headers_and_by_subject_token_and_new_mail_opens_a_case(self):
        self.deliver(utf8_mail("re-1@example.de", "Re: Rechnung", "Danke, ich warte.",
                               headers="In-Reply-To: <%s>\nReferences: <qp-1@example.de> <%s>\n" % (
                                   self.our_message_id, self.our_message_id)))
        m = self.message_by_external_id("re-1@example.de")
        self.assertEqual(m["conversation_id"], self.first_conversation)
        # A client that drops In-Reply-To and References: the token in the subject still threads.
        self.deliver(utf8_mail("re-2@example.de", self.our_subject, "Noch eine Frage."))
        m = self.message_by_external_id("re-2@example.de")
        self.assertEqual(m["conversation_id"], self.first_conversation)
        # A forged token (wrong tag) does not.
        self.deliver(utf8_mail("forged@example.de", "Re: [#%d-000000] hallo" % self.first_conversation, "Hallo"))
        m = self.message_by_external_id("forged@example.de")
        self.assertNotEqual(m["conversation_id"], self.first_conversation)
        # The same customer with a new mail: a new conversation.
        self.deliver(utf8_mail("new-1@example.de", "Neue Frage zu Lieferung", "Wann kommt mein Paket?"))
        m = self.message_by_external_id("new-1@example.de")
        self.assertNotEqual(m["conversation_id"], self.first_conversation)

    def test_06_the_same_mail_delivered_twice_is_stored_once(self):
        raw = utf8_mail("dup-1@example.de", "Doppelt", "Diese Mail kommt zweimal.")
        self.deliver(raw)
        self.deliver(raw)
        self.message_by_external_id("dup-1@example.de")
        self.deliver(utf8_mail("after-dup@example.de", "Danach", "Marker"))
        self.message_by_external_id("after-dup@example.de")
        self.assertEqual(sum(1 for m in self.all_messages() if m["external_id"] == "dup-1@example.de"), 1)

    def test_07_invalid_charset_bytes_are_replaced_not_fatal(self):
        raw = (b"From: kaputt@example.de\r\nTo: support@acme.example\r\nSubject: Kaputt\r\nMessage-ID: <bad-1@example.de>\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPreis: 10 \xff\xfe Euro \xc3\r\n")
        self.deliver(raw)
        m = self.message_by_external_id("bad-1@example.de")
        self.assertIn("Preis: 10", m["text"])
        self.assertIn("\ufffd", m["text"])
        raw = (b"From: bogus@example.de\r\nTo: support@acme.example\r\nSubject: Bogus\r\nMessage-ID: <bad-2@example.de>\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-bogus\r\n\r\nHallo Welt\r\n")
        self.deliver(raw)
        self.assertIn("Hallo Welt", self.message_by_external_id("bad-2@example.de")["text"])

    def test_08_html_mail_is_sanitised_and_remote_images_held_back(self):
        raw = crlf("From: html@example.de\nTo: support@acme.example\nSubject: HTML\nMessage-ID: <html-1@example.de>\n"
                   "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"
                   "<p onclick=\"steal()\">Hallo <b>Team</b></p><script>alert(1)</script>"
                   "<img src=\"https://tracker.example/pixel.gif\"><a href=\"javascript:alert(2)\">x</a>\n")
        self.deliver(raw)
        m = self.message_by_external_id("html-1@example.de")
        html = m["payload"]["html"]
        self.assertIn("<b>Team</b>", html)
        for bad in ("<script", "onclick", "javascript:"):
            self.assertNotIn(bad, html)
        self.assertNotRegex(html, r"\ssrc=\"https://tracker", "the tracking pixel is not loaded")
        self.assertIn("data-parley-remote-src=\"https://tracker.example/pixel.gif\"", html)
        self.assertTrue(m["payload"]["has_remote_images"])
        self.assertIn("Hallo Team", m["text"])

    def test_09_auto_reply_never_reopens_and_is_never_answered(self):
        status, body, _ = self.parley.request("PATCH", "/api/v1/conversations/%d" % self.first_conversation,
                                              {"status": "resolved"}, token=self.token)
        self.assertEqual(status, 200, body)
        sent_before = len(self.smtp.messages())
        self.deliver(utf8_mail("ooo-1@example.de", "Abwesenheitsnotiz: " + self.our_subject,
                               "Ich bin bis Montag nicht im Büro.",
                               headers="Auto-Submitted: auto-replied\nIn-Reply-To: <%s>\n" % self.our_message_id))
        m = self.message_by_external_id("ooo-1@example.de")
        self.assertEqual(m["conversation_id"], self.first_conversation)
        self.assertEqual(m["payload"]["automated"], "auto-reply")
        conversation = self.get("/api/v1/conversations/%d" % self.first_conversation)
        self.assertEqual(conversation["status"], "resolved", "an out-of-office does not reopen")
        time.sleep(1)
        self.assertEqual(len(self.smtp.messages()), sent_before, "nothing is sent back to an auto-reply")
        # The agent's next reply answers the customer's mail, not the out-of-office threaded in
        # after it: its subject, its In-Reply-To and the quoted text are the customer's.
        sent = self.reply(self.first_conversation, "Nachtrag: die Gutschrift ist unterwegs.")
        self.wait_status(sent["id"], self.first_conversation, ("sent", "delivered", "read"))
        received = self.smtp.wait_for(sent_before + 1, timeout=30)[-1]
        mail = email.message_from_bytes(received["data"], policy=email.policy.default)
        self.assertNotEqual(mail["In-Reply-To"], "<ooo-1@example.de>")
        self.assertEqual(mail["To"].addresses[0].addr_spec.lower(), "juergen.mueller@example.de")
        self.assertNotIn("Abwesenheitsnotiz", str(mail["Subject"]))
        self.assertNotIn("nicht im Büro", mail.get_body(("plain",)).get_content())

    def test_10_a_restart_neither_loses_nor_reimports_mail(self):
        count = len(self.all_messages())
        self.parley.stop()
        self.deliver(utf8_mail("while-down@example.de", "Während Neustart", "Kam an, als Parley aus war."))
        self.parley.start()
        self.token = self.__class__.token = self.parley.login()
        self.message_by_external_id("while-down@example.de")
        time.sleep(6)  # at least one more poll
        self.assertEqual(len(self.all_messages()), count + 1)

    def test_11_a_reset_mailbox_is_read_again_without_duplicates(self):
        count = len(self.all_messages())
        self.dovecot.recreate_mailbox()
        self.deliver(utf8_mail("re-1@example.de", "Re: Rechnung", "Danke, ich warte."))  # known already
        self.deliver(utf8_mail("after-reset@example.de", "Nach Reset", "Neu nach dem Reset."))
        self.message_by_external_id("after-reset@example.de")
        self.assertEqual(len(self.all_messages()), count + 1)

    def test_12_temporary_smtp_failure_is_retried_permanent_one_is_shown(self):
        conversation = self.message_by_external_id("new-1@example.de")["conversation_id"]
        before = len(self.smtp.messages())
        self.smtp.fail_next(1, code=451, stage="MAIL")
        sent = self.reply(conversation, "Ihr Paket kommt morgen.")
        self.wait_status(sent["id"], conversation, ("sent",), timeout=30)
        self.assertEqual(len(self.smtp.wait_for(before + 1, timeout=10)), before + 1)
        self.smtp.reject_rcpt("juergen.mueller@example.de", code=550)
        failed = self.reply(conversation, "Diese Antwort kommt nicht an.")
        m = self.wait_status(failed["id"], conversation, ("failed",), timeout=30)
        self.assertIn("550", m["delivery_error"])
        self.smtp.reject_rcpt("juergen.mueller@example.de", code=None)

    def test_13_inbound_webhook_takes_raw_mail_with_the_inbox_secret(self):
        path = "/webhooks/email/%d" % self.inbox["id"]
        secret = self.inbox["secret"]
        raw = pdf_mail("hook-1@example.org", sender="webhook@example.org")
        status, body, _ = self.parley.request("POST", path, raw=raw, content_type="message/rfc822",
                                              headers={"Authorization": "Bearer " + secret})
        self.assertEqual(status, 201, body)
        self.assertEqual(body["status"], "stored")
        status, again, _ = self.parley.request("POST", path + "?token=" + secret, raw=raw, content_type="message/rfc822")
        self.assertEqual((status, again["status"], again["message_id"]), (200, "duplicate", body["message_id"]))
        status, _, _ = self.parley.request("POST", path, raw=raw, content_type="message/rfc822",
                                           headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        status, _, _ = self.parley.request("POST", path, raw=raw, content_type="application/json",
                                           headers={"Authorization": "Bearer " + secret})
        self.assertEqual(status, 415)
        status, err, _ = self.parley.request("POST", path, raw=b"\x00\x01 not a mail", content_type="message/rfc822",
                                             headers={"Authorization": "Bearer " + secret})
        self.assertEqual(status, 400, err)
        own = utf8_mail("own-1@acme.example", "Kopie", "Unsere eigene Mail", sender=ADDRESS)
        status, ignored, _ = self.parley.request("POST", path, raw=own, content_type="message/rfc822",
                                                 headers={"Authorization": "Bearer " + secret})
        self.assertEqual((status, ignored["status"]), (200, "ignored"), "mail from our own address never loops in")

    def test_13c_a_web_form_writing_in_the_customers_name_files_the_mail_under_the_reply_to(self):
        path = "/webhooks/email/%d" % self.inbox["id"]
        auth = {"Authorization": "Bearer " + self.inbox["secret"]}

        def post(raw):
            status, body, _ = self.parley.request("POST", path, raw=raw, content_type="message/rfc822", headers=auth)
            self.assertIn(status, (200, 201), body)
            return body

        def contact_of(stored):
            conversation = self.get("/api/v1/conversations/%d" % stored["conversation_id"])
            return self.get("/api/v1/contacts/%d" % conversation["contact_id"])

        # The shop's contact form sends From the support address itself, Reply-To the visitor.
        form = utf8_mail("form-1@shop.example", "Kontaktformular: Lieferzeit", "Wann kommt mein Rad?", sender=ADDRESS,
                         headers="Reply-To: Max Kunde <Max.Kunde@kunde.example>\n")
        stored = post(form)
        self.assertEqual(stored["status"], "stored", "not dropped as a loop")
        contact = contact_of(stored)
        self.assertEqual(contact["name"], "Max Kunde")
        self.assertIn("max.kunde@kunde.example", [i["value"] for i in contact["identities"]])
        message = self.message_by_external_id("form-1@shop.example")
        self.assertTrue(message["payload"]["customer_from_reply_to"])
        before = len(self.smtp.messages())
        sent = self.reply(stored["conversation_id"], "Ihr Rad kommt am Freitag.")
        self.wait_status(sent["id"], stored["conversation_id"], ("sent", "delivered", "read"))
        self.assertEqual(self.smtp.wait_for(before + 1, timeout=30)[-1]["rcpt_tos"], ["max.kunde@kunde.example"])

        # A copy of one of Parley's own replies stays ignored, Reply-To or not.
        own = utf8_mail("parley.77.abcdef@acme.example", "Re: Lieferzeit", "Kopie", sender=ADDRESS,
                        headers="Reply-To: Max Kunde <max.kunde@kunde.example>\n")
        self.assertEqual(post(own)["status"], "ignored")

        # A form sender of its own (noreply@...): its mails belong to the Reply-To once it is named.
        noreply = utf8_mail("form-2@shop.example", "Kontaktformular", "Frage zur Rechnung", sender="Shop <noreply@shop.example>",
                            headers="Reply-To: Lea Sommer <lea@sommer.example>\n")
        self.assertEqual(contact_of(post(noreply))["name"], "Shop", "without the setting the sender is the customer")
        config = {"address": ADDRESS, "display_name": "Acme Support", "imap_url": self.dovecot.imap_url(),
                  "imap_user": self.dovecot.user, "imap_password": "********", "smtp_url": self.smtp.url(),
                  "smtp_user": "parley-smtp", "smtp_password": "********", "poll_interval_s": 5,
                  "signature": {"de": "Viele Grüße\nIhr Acme-Team", "en": "Kind regards\nAcme"}}
        status, body, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % self.inbox["id"],
                                              {"config": dict(config, form_senders=["not an address"])}, token=self.token)
        self.assertEqual(status, 400, body)
        self.assertIn("form_senders", body["error"]["message"])
        status, body, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % self.inbox["id"],
                                              {"config": dict(config, form_senders=["NoReply@shop.example"])}, token=self.token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["config"]["form_senders"], ["NoReply@shop.example"])
        again = utf8_mail("form-3@shop.example", "Kontaktformular", "Noch eine Frage", sender="Shop <noreply@shop.example>",
                          headers="Reply-To: Lea Sommer <lea@sommer.example>\n")
        lea = contact_of(post(again))
        self.assertEqual(lea["name"], "Lea Sommer")
        self.assertIn("lea@sommer.example", [i["value"] for i in lea["identities"]])

    def test_13b_the_mta_wrapper_answers_in_exit_codes_the_mta_acts_on(self):
        wrapper = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "parley-deliver-mail")
        url = self.parley.base + "/webhooks/email/%d" % self.inbox["id"]

        def deliver(target, secret, raw):
            return subprocess.run([wrapper, target, secret], input=raw, capture_output=True, timeout=60).returncode
        raw = utf8_mail("wrapper-1@example.org", "Per Pipe", "Über Postfix zugestellt", sender="pipe@example.org")
        self.assertEqual(deliver(url, self.inbox["secret"], raw), 0)
        self.assertEqual(self.message_by_external_id("wrapper-1@example.org")["text"].strip(), "Über Postfix zugestellt")
        self.assertEqual(deliver(url, self.inbox["secret"], raw), 0)  # a redelivery is fine
        self.assertEqual(deliver(url, "wrong", raw), 77)  # a bounce naming the secret
        # Parley down or restarting: 75, the MTA keeps the mail and tries again (never a bounce).
        self.assertEqual(deliver("http://127.0.0.1:9/webhooks/email/1", self.inbox["secret"], raw), 75)

    def test_14_connection_errors_back_off_and_show_on_the_inbox(self):
        status, inbox, _ = self.parley.request("POST", "/api/v1/inboxes", {
            "name": "Falsches Passwort", "channel": "email",
            "config": {"address": "sales@acme.example", "imap_url": self.dovecot.imap_url(),
                       "imap_user": self.dovecot.user, "imap_password": "falsch", "smtp_url": self.smtp.url(),
                       "poll_interval_s": 5}}, token=self.token)
        self.assertEqual(status, 201, inbox)

        def errored():
            s = self.get("/api/v1/inboxes/%d" % inbox["id"])["channel_status"]
            return s if s and s.get("state") == "error" else None
        state = wait_for(errored, timeout=30, interval=0.3)
        self.assertIn("imap_password", state["last_error"])
        self.assertGreater(state["next_poll_at"], state["last_poll_at"])
        ok = self.get("/api/v1/inboxes/%d" % self.inbox["id"])["channel_status"]
        self.assertEqual(ok["state"], "ok")
        # Saving the form with the masked password keeps it; a new password fixes the inbox.
        status, body, _ = self.parley.request("PATCH", "/api/v1/inboxes/%d" % inbox["id"], {
            "config": dict(self.get("/api/v1/inboxes/%d" % inbox["id"])["config"], imap_password=self.dovecot.password)},
            token=self.token)
        self.assertEqual(status, 200, body)
        wait_for(lambda: (self.get("/api/v1/inboxes/%d" % inbox["id"])["channel_status"] or {}).get("state") == "ok",
                 timeout=30, interval=0.3)

    def test_15_imaps_and_smtp_starttls_with_a_private_ca(self):
        with Dovecot(imaps=True) as tls_imap, SmtpSink(starttls=True) as tls_smtp:
            bundle = os.path.join(self.parley.data_dir, "private-ca.pem")
            with open(bundle, "wb") as out:
                for path in (tls_imap.cert_path, tls_smtp.cert_path):
                    with open(path, "rb") as f:
                        out.write(f.read())
            status, inbox, _ = self.parley.request("POST", "/api/v1/inboxes", {
                "name": "TLS", "channel": "email",
                "config": {"address": "tls@acme.example", "imap_url": tls_imap.imaps_url(),
                           "imap_user": tls_imap.user, "imap_password": tls_imap.password,
                           "smtp_url": tls_smtp.url(), "ca_file": bundle, "poll_interval_s": 5}}, token=self.token)
            self.assertEqual(status, 201, inbox)
            tls_imap.append(utf8_mail("tls-1@example.de", "Über TLS", "Verschlüsselt abgeholt."))
            m = self.message_by_external_id("tls-1@example.de")
            self.assertEqual(m["inbox_id"], inbox["id"])
            sent = self.reply(m["conversation_id"], "Verschlüsselt beantwortet.")
            self.wait_status(sent["id"], m["conversation_id"], ("sent",))
            received = tls_smtp.wait_for(1, timeout=10)[0]
            self.assertTrue(received["tls"], "STARTTLS was used")


if __name__ == "__main__":
    unittest.main(verbosity=2)
