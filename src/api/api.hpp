// The JSON API: one file per resource turns requests into store/service calls and
// results into JSON. No SQL and no business rules here.
#pragma once

#include <functional>

#include "auth/authenticator.hpp"
#include "domain/ids.hpp"
#include "domain/time.hpp"
#include "http/router.hpp"
#include "ingest/group_commit.hpp"
#include "ingest/ingest_service.hpp"
#include "store/store.hpp"

namespace ca::actions {
class ActionService;
}

namespace ca::auth {
class SessionStore;
}

namespace ca::onboarding {
class OnboardingService;
}

namespace ca::api {

struct ApiDeps {
  store::Store& store;
  auth::Authenticator& auth;
  const Clock& clock;
  IdGenerator& ids;
  Random& secure_random;  // for API keys only
  ingest::IngestService& ingest;
  // Shares transactions between concurrent single-event POSTs; null: one each.
  ingest::GroupCommitter* group_commit = nullptr;
  // Review decisions, consent keywords and delivery status (null: those routes answer 503).
  actions::ActionService* actions = nullptr;
  // Dashboard sign-in sessions (null: /session answers 503 and cookies are ignored).
  auth::SessionStore* sessions = nullptr;
  // Twilio webhook signatures: TWILIO_AUTH_TOKEN (empty: every webhook is 403) and the
  // public URL Twilio calls, PUBLIC_BASE_URL (empty: the request's Host).
  std::string twilio_auth_token{};
  std::string public_base_url{};
  // GET /metrics: the Prometheus text (null: 404) and a bearer token that may read it
  // besides admin keys (empty: admin keys only).
  std::function<std::string()> metrics{};
  std::string metrics_token{};
  // Onboarding, profiles and agent deployment (null: /onboarding routes answer 503).
  onboarding::OnboardingService* onboarding = nullptr;
};

void register_routes(http::Router& router, ApiDeps& deps);

// Split per resource (called by register_routes).
void register_health_routes(http::Router& router, ApiDeps& deps);
void register_creator_routes(http::Router& router, ApiDeps& deps);
void register_consumer_routes(http::Router& router, ApiDeps& deps);
void register_product_routes(http::Router& router, ApiDeps& deps);
void register_event_routes(http::Router& router, ApiDeps& deps);
void register_agent_routes(http::Router& router, ApiDeps& deps);
void register_invocation_routes(http::Router& router, ApiDeps& deps);
void register_onboarding_routes(http::Router& router, ApiDeps& deps);
void register_analytics_routes(http::Router& router, ApiDeps& deps);
// Called by register_invocation_routes.
void register_action_routes(http::Router& router, ApiDeps& deps);
void register_webhook_routes(http::Router& router, ApiDeps& deps);
// POST/GET/PATCH/DELETE /session: dashboard sign-in (api/session.cpp).
void register_session_routes(http::Router& router, ApiDeps& deps);

}  // namespace ca::api
