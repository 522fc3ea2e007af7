// The email channel over TLS against the SMTP sink with a self-signed certificate made
// here with OpenSSL: STARTTLS upgrade before credentials and envelope, SMTPS, and a
// certificate the client does not trust.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "channels/smtp.hpp"
#include "smtp_sink.hpp"

namespace ca::channels {
namespace {

using test::SmtpBehaviour;
using test::SmtpSink;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

// A self-signed certificate for 127.0.0.1 (CN and SAN), valid for a day; PEM files in a
// temporary directory removed with the object.
class SelfSigned {
 public:
  SelfSigned() {
    dir_ = std::filesystem::temp_directory_path() /
           ("ca-smtp-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
    std::unique_ptr<X509, X509Free> cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(cert.get(), ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(cert.get(), key.get(), EVP_sha256());
    std::unique_ptr<FILE, FileClose> kf(std::fopen(key_file().c_str(), "w"));
    PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    std::unique_ptr<FILE, FileClose> cf(std::fopen(cert_file().c_str(), "w"));
    PEM_write_X509(cf.get(), cert.get());
  }
  ~SelfSigned() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SelfSigned(const SelfSigned&) = delete;
  SelfSigned& operator=(const SelfSigned&) = delete;

  std::string cert_file() const { return (dir_ / "cert.pem").string(); }
  std::string key_file() const { return (dir_ / "key.pem").string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
};

OutboundMessage email() {
  OutboundMessage m;
  m.action_id = "act_tls";
  m.channel = Channel::email;
  m.to = "asha@example.org";
  m.subject = "Over TLS";
  m.text = "Hello over TLS";
  return m;
}

TEST(SmtpTls, StartTlsUpgradesBeforeCredentialsAndEnvelope) {
  SelfSigned cert;
  SmtpBehaviour b;
  b.advertise_auth = true;
  b.tls_cert_file = cert.cert_file();
  b.tls_key_file = cert.key_file();
  SmtpSink sink(b);
  SmtpConfig cfg;
  cfg.url = "smtp://mailer:secret@127.0.0.1:" + std::to_string(sink.port()) + "?tls=required";
  cfg.from = "hello@priya.example.com";
  cfg.ca_file = cert.cert_file();
  SendResult r = make_smtp_channel(cfg)->send(email());
  ASSERT_EQ(r.outcome, SendOutcome::accepted) << r.error;
  auto sessions = sink.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].tls_at_auth);
  EXPECT_TRUE(sessions[0].tls_at_mail);
  EXPECT_EQ(sessions[0].auth_user, "mailer");
  EXPECT_EQ(sessions[0].auth_password, "secret");
  EXPECT_TRUE(sessions[0].completed);
  EXPECT_NE(sessions[0].data.find("Subject: Over TLS"), std::string::npos);
}

TEST(SmtpTls, StartTlsIsUsedWhenOfferedWithoutBeingRequired) {
  SelfSigned cert;
  SmtpBehaviour b;
  b.tls_cert_file = cert.cert_file();
  b.tls_key_file = cert.key_file();
  SmtpSink sink(b);
  SmtpConfig cfg;
  cfg.url = "smtp://127.0.0.1:" + std::to_string(sink.port());
  cfg.from = "hello@priya.example.com";
  cfg.ca_file = cert.cert_file();
  SendResult r = make_smtp_channel(cfg)->send(email());
  ASSERT_EQ(r.outcome, SendOutcome::accepted) << r.error;
  auto sessions = sink.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].tls_at_mail);
}

TEST(SmtpTls, ImplicitTlsWithSmtps) {
  SelfSigned cert;
  SmtpBehaviour b;
  b.tls_cert_file = cert.cert_file();
  b.tls_key_file = cert.key_file();
  b.implicit_tls = true;
  SmtpSink sink(b);
  SmtpConfig cfg;
  cfg.url = "smtps://127.0.0.1:" + std::to_string(sink.port());
  cfg.from = "hello@priya.example.com";
  cfg.ca_file = cert.cert_file();
  SendResult r = make_smtp_channel(cfg)->send(email());
  ASSERT_EQ(r.outcome, SendOutcome::accepted) << r.error;
  auto sessions = sink.sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].tls_at_mail);
  EXPECT_TRUE(sessions[0].completed);
}

TEST(SmtpTls, UntrustedCertificateFailsWithoutSendingAnything) {
  SelfSigned cert;
  SmtpBehaviour b;
  b.advertise_auth = true;
  b.tls_cert_file = cert.cert_file();
  b.tls_key_file = cert.key_file();
  SmtpSink sink(b);
  SmtpConfig cfg;
  cfg.url = "smtp://mailer:secret@127.0.0.1:" + std::to_string(sink.port()) + "?tls=required";
  cfg.from = "hello@priya.example.com";  // no ca_file: the system store does not know it
  SendResult r = make_smtp_channel(cfg)->send(email());
  EXPECT_EQ(r.outcome, SendOutcome::failed) << r.error;
  for (const auto& s : sink.sessions()) {
    EXPECT_TRUE(s.auth_password.empty());
    EXPECT_TRUE(s.mail_from.empty());
  }
}

}  // namespace
}  // namespace ca::channels
