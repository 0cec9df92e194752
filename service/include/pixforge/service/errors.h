// The one error type that handlers throw. The HTTP layer maps it to a status and a JSON body
// {"error":{"code","message","field"}} (or the OpenAI / A1111 shape on those routes).
// Messages name the field and the rule, never the value a user sent.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pixforge::service {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message, std::string field = {})
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        field_(std::move(field)) {}
  // Extra machine-readable members of the error object (e.g. the category of a blocked
  // prompt); never user content.
  ApiError& with(std::string key, std::string value) {
    extra_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& extra() const { return extra_; }
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string code_;
  std::string field_;
  std::vector<std::pair<std::string, std::string>> extra_;
};

inline ApiError bad_request(const std::string& field, const std::string& rule) {
  return ApiError(400, "invalid_" + (field.empty() ? std::string("request") : std::string("field")),
                  field.empty() ? rule : "field '" + field + "': " + rule, field);
}
inline ApiError not_found(const std::string& what) {
  return ApiError(404, "not_found", what + " not found");
}

}  // namespace pixforge::service
