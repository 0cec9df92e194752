// The one error type that handlers throw. The HTTP layer maps it to a status and a JSON body
// {"error":{"code","message","field"}} (or the OpenAI / A1111 shape on those routes).
// Messages name the field and the rule, never the value a user sent.
#pragma once

#include <stdexcept>
#include <string>

namespace pixforge::service {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message, std::string field = {})
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        field_(std::move(field)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string code_;
  std::string field_;
};

inline ApiError bad_request(const std::string& field, const std::string& rule) {
  return ApiError(400, "invalid_" + (field.empty() ? std::string("request") : std::string("field")),
                  field.empty() ? rule : "field '" + field + "': " + rule, field);
}
inline ApiError not_found(const std::string& what) {
  return ApiError(404, "not_found", what + " not found");
}

}  // namespace pixforge::service
