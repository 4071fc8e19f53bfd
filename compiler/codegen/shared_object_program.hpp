// A program built ahead of time by `flowc build`: loaded with dlopen, its import slots filled with
// the host's and the stdlib's functions, its batch functions found by name. Nothing is compiled.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/codegen/codegen.hpp"

namespace flow::compiler::codegen {

class SharedObjectProgram final : public Program {
 public:
  //! Opens `path` (a `flowc build` output; a bare name is a file in the current directory) after
  //! checking its trailer (shared_object_trailer.hpp); null and `error` when it is not one, or
  //! is damaged.
  static std::unique_ptr<SharedObjectProgram> load(const std::string& path, std::string& error);
  ~SharedObjectProgram() override;

  //! The application's plan image (plan_image.hpp) and plan JSON, as built.
  const std::string& plan_image() const { return plan_image_; }
  const std::string& plan_json() const { return plan_json_; }
  //! The target (triple and CPU) the machine code was optimised for.
  const std::string& target() const { return target_; }

  //! Fills every import slot (false and `error` naming the first function it cannot provide)
  //! and finds the batch function of each of the plan's sources.
  bool bind(const plan::Plan& plan, const std::vector<HostSymbol>& host, std::string& error);

  flow_batch_fn batch_function(const std::string& source) const override;
  flow_handler_fn handler_function(size_t query, size_t handler) const override;
  flow_stage_fn stage_function(size_t query, size_t stage) const override;

 private:
  SharedObjectProgram() = default;
  void* handle_ = nullptr;
  std::string plan_image_, plan_json_, target_;
  std::vector<std::pair<std::string, flow_batch_fn>> functions_;
};

}  // namespace flow::compiler::codegen
