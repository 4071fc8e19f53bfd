// Binds a `process` operator: state fields with their initial values, and the statements of each
// handler, with the checks that belong to them (assignable targets, one emit shape, known metrics).
#pragma once

#include <memory>
#include <utility>

#include "compiler/plan/expression_binder.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "compiler/plan/plan.hpp"

namespace flow::compiler::plan {

class HandlerBinder {
 public:
  HandlerBinder(const Plan& plan, DiagnosticSink& sink, ExpressionBinder& binder)
      : plan_(plan), sink_(sink), binder_(binder) {}

  //! `sources`: the (name, record schema) of each input; in a union each has its own handler.
  std::unique_ptr<LogicalProcess> bind(const ast::Operator& op, const Type& key,
                                       const std::vector<std::pair<std::string, const Schema*>>& sources,
                                       bool is_union);

 private:
  void bind_block(const std::vector<ast::Stmt>& body, std::vector<BoundStmt>& out);
  void bind_statement(const ast::Stmt& statement, std::vector<BoundStmt>& out);
  void bind_assignment(const ast::Stmt& statement, std::vector<BoundStmt>& out);
  void bind_emit(const ast::Stmt& statement, std::vector<BoundStmt>& out);
  void bind_for(const ast::Stmt& statement, std::vector<BoundStmt>& out);
  void bind_method_call(const ast::Stmt& statement, std::vector<BoundStmt>& out);
  int32_t state_field_index(const ast::Expr& target);

  const Plan& plan_;
  DiagnosticSink& sink_;
  ExpressionBinder& binder_;

  // The handler being bound.
  LogicalProcess* process_ = nullptr;
  Scope scope_;
  std::vector<LocalBinding> locals_;
  int32_t max_locals_ = 0;
  const ast::Stmt* first_emit_ = nullptr;
};

}  // namespace flow::compiler::plan
