// A local OpenAI-compatible server for the llm and messaging suites: canned Chat
// Completions replies over a real socket, and the requests it received, parsed.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "llm/openai_client.hpp"
#include "support/local_http_server.hpp"

namespace ca::test {

inline constexpr const char* kTestApiKey = "sk-test-0123456789abcdef";

// A 200 Chat Completions body whose choices[0].message.content is `content`.
inline std::string chat_reply(const std::string& content, const std::string& finish = "stop",
                              long prompt_tokens = 11, long completion_tokens = 7) {
  boost::json::object body{
      {"id", "chatcmpl-1"},
      {"object", "chat.completion"},
      {"model", "served-model"},
      {"choices",
       boost::json::array{boost::json::object{
           {"index", 0},
           {"message",
            boost::json::object{{"role", "assistant"}, {"content", content}, {"refusal", nullptr}}},
           {"finish_reason", finish}}}},
      {"usage", boost::json::object{{"prompt_tokens", prompt_tokens},
                                    {"completion_tokens", completion_tokens},
                                    {"total_tokens", prompt_tokens + completion_tokens}}}};
  return boost::json::serialize(body);
}

inline CannedReply reply(int status, std::string body,
                         std::string content_type = "application/json") {
  CannedReply r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

inline CannedReply ok_reply(const std::string& content) { return reply(200, chat_reply(content)); }

// Replies in order; the last one repeats.
inline LocalHttpServer::Handler sequence(std::vector<CannedReply> replies) {
  auto next = std::make_shared<std::size_t>(0);
  return [replies = std::move(replies), next](const ReceivedRequest&) {
    std::size_t i = std::min(*next, replies.size() - 1);
    ++*next;
    return replies[i];
  };
}

// Small timeouts and backoff so failure paths take milliseconds; sleeps are recorded.
inline llm::OpenAiConfig fast_config(const LocalHttpServer& server,
                                     std::vector<std::chrono::milliseconds>* sleeps = nullptr) {
  llm::OpenAiConfig c;
  c.base_url = server.base_url() + "/v1";
  c.api_key = kTestApiKey;
  c.model = "gpt-4o-mini";
  c.timeout = std::chrono::milliseconds(2000);
  c.max_attempts = 3;
  c.base_backoff = std::chrono::milliseconds(2);
  c.max_backoff = std::chrono::milliseconds(5000);
  c.jitter = [] { return 0.0; };
  c.sleep = [sleeps](std::chrono::milliseconds d) {
    if (sleeps != nullptr) sleeps->push_back(d);
  };
  return c;
}

inline boost::json::object body_of(const ReceivedRequest& r) {
  return boost::json::parse(r.body).as_object();
}

}  // namespace ca::test
