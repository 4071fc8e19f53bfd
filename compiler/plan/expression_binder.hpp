// Name resolution and type checking of expressions: AST expression + scope -> BoundExpr, with a
// diagnostic (and an Error-typed node, so checking goes on) for every problem.
#pragma once

#include <string>
#include <vector>

#include "compiler/diagnostics/diagnostic.hpp"
#include "compiler/plan/bound_expr.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "compiler/syntax/ast.hpp"

namespace flow::compiler::plan {

struct LocalBinding {
  std::string name;
  Type type;
  bool loop_element = false;  //!< the element of a `for`, which no `let` in its body may hide
};

//! What a name can refer to where an expression stands.
struct Scope {
  const Schema* input = nullptr;                        //!< record fields, by bare name
  const std::vector<StateFieldPlan>* state = nullptr;   //!< `state.field`, inside `process`
  const Type* key = nullptr;                            //!< `key`, in a keyed context
  const std::vector<LocalBinding>* locals = nullptr;    //!< `let` bindings, inside handlers
  std::string where;                                    //!< "in `on timeout`", for messages
};

class ExpressionBinder {
 public:
  explicit ExpressionBinder(DiagnosticSink& sink) : sink_(sink) {}

  BoundExpr bind(const ast::Expr& expr, const Scope& scope);
  //! Binds and requires a `bool` (null counts as false), reporting E0212 otherwise.
  BoundExpr bind_condition(const ast::Expr& expr, const Scope& scope, const char* what);

 private:
  BoundExpr bind_name(const ast::Expr& expr, const Scope& scope);
  BoundExpr bind_member(const ast::Expr& expr, const Scope& scope);
  BoundExpr bind_call(const ast::Expr& expr, const Scope& scope);
  BoundExpr bind_index(const ast::Expr& expr, const Scope& scope);
  BoundExpr bind_unary(const ast::Expr& expr, const Scope& scope);
  BoundExpr bind_binary(const ast::Expr& expr, const Scope& scope);
  BoundExpr bind_if(const ast::Expr& expr, const Scope& scope);
  BoundExpr bind_record(const ast::Expr& expr, const Scope& scope);
  BoundExpr error_node(const ast::Expr& expr);

  DiagnosticSink& sink_;
};

}  // namespace flow::compiler::plan
