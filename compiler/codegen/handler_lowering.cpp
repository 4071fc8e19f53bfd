// `process` handlers as native functions. State fields and `let` bindings live in flow_value
// slots (the runtime's state array, allocas for locals that SROA turns into registers); an `if`
// is a branch; `emit` writes the output record into a slot array and calls back. Semantics are
// those of the reference evaluator (runtime/eval/process_handler.hpp), which the differential
// tests hold it to.
#include "compiler/codegen/handler_lowering.hpp"

#include "compiler/codegen/codegen.hpp"
#include "compiler/codegen/expression_lowering.hpp"
#include "compiler/plan/operators/logical_process.hpp"

namespace flow::compiler::codegen {

using plan::BoundStmt;
using plan::BoundStmtKind;
using plan::TypeKind;

namespace {

class HandlerLowering {
 public:
  HandlerLowering(LoweringContext& cx, const plan::Plan& plan, const plan::QueryPlan& query,
                  const plan::LogicalProcess& process)
      : cx_(cx), b_(cx.builder()), plan_(plan), query_(query), process_(process), expressions_(cx) {}

  //! Lowers `handler` into `fn` (already created with the flow_handler_fn signature).
  void run(const plan::HandlerPlan& handler, llvm::Function* fn) {
    fn_ = fn;
    call_ = fn->getArg(0);
    state_ = fn->getArg(1);
    llvm::Value* key = fn->getArg(2);
    llvm::Value* record = fn->getArg(3);
    cx_.arena = fn->getArg(4);

    b_.SetInsertPoint(llvm::BasicBlock::Create(cx_.llvm(), "entry", fn));
    key_ = cx_.load_value(key, process_.key_type);
    if (handler.event != "timeout") {
      const plan::Schema* schema = record_schema(handler);
      for (size_t f = 0; f < schema->size(); ++f)
        fields_.push_back(cx_.load_value(cx_.slot(record, f), (*schema)[f].type));
    }
    for (int32_t l = 0; l < handler.locals; ++l)
      locals_.push_back(b_.CreateAlloca(cx_.value_type(), nullptr, "local"));
    out_ = b_.CreateAlloca(cx_.value_type(), cx_.i64_const(static_cast<int64_t>(process_.output.size() + 1)), "emit");
    element_ = b_.CreateAlloca(cx_.value_type(), nullptr, "element");
    cleared_ = b_.CreateAlloca(cx_.i1(), nullptr, "cleared");
    b_.CreateStore(cx_.false_(), cleared_);

    block(handler.body);
    b_.CreateRet(b_.CreateZExt(b_.CreateLoad(cx_.i1(), cleared_), cx_.i32()));
  }

 private:
  //! The records `handler` reads: a union input's own schema for `on SOURCE`, else what reaches
  //! the operator.
  const plan::Schema* record_schema(const plan::HandlerPlan& handler) const {
    size_t at = query_.process_index();  // the `process` may follow an aggregate: its rows
    if (handler.event != "event") return query_.operator_input_schema(at, handler.event);
    const plan::Schema* schema = query_.sources.empty() ? nullptr : query_.operator_input_schema(at, query_.sources.front());
    if (!schema || query_.sources.size() != 1) throw CodegenError("`on event` over several sources");
    return schema;
  }

  ExprEnvironment env() const {
    return {fields_.empty() ? nullptr : &fields_, &key_, state_, &locals_, &record_locals_};
  }

  //! A flow_value slot in the entry block, where SROA turns it into registers.
  llvm::Value* entry_slot(const char* name) {
    llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
    return entry.CreateAlloca(cx_.value_type(), nullptr, name);
  }

  const plan::Type& field_type(const BoundStmt& s) const { return process_.state.at(static_cast<size_t>(s.slot)).type; }

  void set_field(const BoundStmt& s, const CgValue& value) {
    cx_.store_value(cx_.slot(state_, static_cast<size_t>(s.slot)), value, field_type(s));
    b_.CreateStore(cx_.false_(), cleared_);
  }

  void block(const std::vector<BoundStmt>& body) {
    for (const auto& statement : body) execute(statement);
  }

  void execute(const BoundStmt& s) {
    switch (s.kind) {
      case BoundStmtKind::Let: {
        if (s.value.type.kind != TypeKind::Record) {
          cx_.store_value(locals_.at(static_cast<size_t>(s.slot)), expressions_.lower(s.value, env()), s.value.type);
          return;
        }
        std::vector<CgValue> values = expressions_.lower_record(s.value, env());
        std::vector<llvm::Value*> slots;
        for (size_t f = 0; f < values.size(); ++f) {
          slots.push_back(entry_slot("field"));
          cx_.store_value(slots.back(), values[f], s.value.type.fields[f].type);
        }
        record_locals_[s.slot] = std::move(slots);
        return;
      }
      case BoundStmtKind::Assign: {
        CgValue value = expressions_.convert(expressions_.lower(s.value, env()), s.value.type, field_type(s));
        const plan::Type& type = field_type(s);
        if (type.kind == TypeKind::List && type.max_length > 0) {
          // A longer list keeps its newest elements, as `append` would have: the bound holds.
          llvm::Value* bound = cx_.i64_const(type.max_length);
          llvm::Value* longer = b_.CreateICmpSGT(value.b, bound);
          llvm::Value* skipped = b_.CreateSelect(longer, b_.CreateSub(value.b, bound), cx_.i64_const(0));
          value.a = b_.CreateGEP(cx_.value_type(), value.a, skipped);
          value.b = b_.CreateSelect(longer, bound, value.b);
        }
        set_field(s, value);
        return;
      }
      case BoundStmtKind::AddAssign:
      case BoundStmtKind::SubAssign: return add_assign(s);
      case BoundStmtKind::If: return branch(s);
      case BoundStmtKind::Emit: return emit(s);
      case BoundStmtKind::ClearState:
        for (size_t f = 0; f < process_.state.size(); ++f)
          cx_.store_value(cx_.slot(state_, f), initial_value(process_.state[f]), process_.state[f].type);
        b_.CreateStore(b_.getTrue(), cleared_);
        return;
      case BoundStmtKind::Tally: {
        int32_t metric = -1;
        for (size_t m = 0; m < plan_.metrics.size(); ++m)
          if (plan_.metrics[m].name == s.name) metric = static_cast<int32_t>(m);
        if (metric < 0) throw CodegenError("unknown metric `" + s.name + "`");
        b_.CreateCall(cx_.callback("flow_rt_handler_tally", b_.getVoidTy(), {cx_.ptr(), cx_.i32()}),
                      {call_, b_.getInt32(metric)});
        return;
      }
      case BoundStmtKind::Append:
      case BoundStmtKind::SetAdd:
      case BoundStmtKind::SetRemove: return update_list(s);
      case BoundStmtKind::For: return loop(s);
    }
  }

  //! `for x in l { … }`: the list is read once, before the first element, so the body may write
  //! the field it came from; each element goes to the loop's local slot.
  void loop(const BoundStmt& s) {
    const plan::Type& type = s.value.type;
    CgValue list = expressions_.lower(s.value, env());
    llvm::Value* count = b_.CreateSelect(list.null, cx_.i64_const(0), list.b);
    llvm::Value* position;
    {
      llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
      position = entry.CreateAlloca(cx_.i64(), nullptr, "for.position");
    }
    b_.CreateStore(cx_.i64_const(0), position);
    auto* header = llvm::BasicBlock::Create(cx_.llvm(), "for.header", fn_);
    auto* body = llvm::BasicBlock::Create(cx_.llvm(), "for.body", fn_);
    auto* done = llvm::BasicBlock::Create(cx_.llvm(), "for.end", fn_);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::Value* at = b_.CreateLoad(cx_.i64(), position);
    b_.CreateCondBr(b_.CreateICmpSLT(at, count), body, done);
    b_.SetInsertPoint(body);
    const plan::Type& element = type.element.front();
    cx_.store_value(locals_.at(static_cast<size_t>(s.slot)),
                    cx_.load_value(b_.CreateGEP(cx_.value_type(), list.a, at), element), element);
    block(s.body);
    b_.CreateStore(b_.CreateAdd(at, cx_.i64_const(1)), position);
    b_.CreateBr(header);
    b_.SetInsertPoint(done);
  }


  //! `state.f += v` is `state.f = state.f + v`: the binary operator's rules, then the field's type.
  void add_assign(const BoundStmt& s) {
    const plan::Type& type = field_type(s);
    if (!type.is_numeric() && type.kind != TypeKind::Duration)
      throw CodegenError("`+=` on a " + type.to_string() + " field");
    if (type.kind != TypeKind::Float && s.value.type.kind == TypeKind::Float)
      throw CodegenError("a float added to a " + type.to_string() + " field");  // the checker refuses it
    plan::BoundExpr sum;
    sum.kind = plan::BoundKind::Binary;
    sum.name = s.kind == BoundStmtKind::AddAssign ? "+" : "-";
    sum.type = type;
    plan::BoundExpr field;
    field.kind = plan::BoundKind::StateField;
    field.index = s.slot;
    field.type = type;
    field.name = s.name;
    sum.children = {std::move(field), s.value};
    set_field(s, expressions_.convert(expressions_.lower(sum, env()), sum.type, type));
  }

  void branch(const BoundStmt& s) {
    llvm::Value* condition = expressions_.lower_condition(s.value, env());
    auto* then = llvm::BasicBlock::Create(cx_.llvm(), "then", fn_);
    auto* otherwise = llvm::BasicBlock::Create(cx_.llvm(), "else", fn_);
    auto* done = llvm::BasicBlock::Create(cx_.llvm(), "endif", fn_);
    b_.CreateCondBr(condition, then, otherwise);
    b_.SetInsertPoint(then);
    block(s.body);
    b_.CreateBr(done);
    b_.SetInsertPoint(otherwise);
    block(s.else_body);
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
  }

  void emit(const BoundStmt& s) {
    const plan::Schema& output = process_.output;
    const std::vector<plan::Field>& fields = s.value.type.fields;
    if (fields.size() != output.size()) throw CodegenError("an `emit` of other fields than the output's");
    std::vector<CgValue> values = expressions_.lower_record(s.value, env());
    for (size_t f = 0; f < output.size(); ++f) {
      if (fields[f].name != output[f].name) throw CodegenError("an `emit` whose fields are not the output's, in order");
      cx_.store_value(cx_.slot(out_, f), expressions_.convert(values[f], fields[f].type, output[f].type), output[f].type);
    }
    b_.CreateCall(cx_.callback("flow_rt_handler_emit", b_.getVoidTy(), {cx_.ptr(), cx_.ptr(), cx_.i64()}),
                  {call_, out_, cx_.i64_const(static_cast<int64_t>(output.size()))});
  }

  //! `append`, `add`, `remove`: a new list in the arena (or, for a set, the set itself) from the
  //! stdlib or the lowering's helper: `append` keeps the newest elements and the value, at most
  //! the bound; `add` does so only for a value not in the set; `remove` leaves the value out.
  void update_list(const BoundStmt& s) {
    const plan::Type& type = field_type(s);
    const plan::Type& element_type = type.element.front();
    CgValue element = expressions_.convert(expressions_.lower(s.value, env()), s.value.type, element_type);
    cx_.store_value(element_, element, element_type);
    CgValue list = cx_.load_value(cx_.slot(state_, static_cast<size_t>(s.slot)), type);
    llvm::Value* count = b_.CreateSelect(list.null, cx_.i64_const(0), list.b);
    llvm::Type* ptr = cx_.ptr();
    llvm::Type* i64 = cx_.i64();
    llvm::Value* max = cx_.i64_const(type.max_length);
    llvm::Value* pair =
        s.kind == BoundStmtKind::Append
            ? b_.CreateCall(cx_.external("flow_cg_list_append", cx_.str_type(), {ptr, ptr, i64, ptr, i64}),
                            {cx_.arena, list.a, count, element_, max})
        : s.kind == BoundStmtKind::SetAdd
            ? b_.CreateCall(cx_.external("flow_set_add", cx_.str_type(), {ptr, ptr, i64, ptr, cx_.i32(), i64}),
                            {cx_.arena, list.a, count, element_, expressions_.list_kind(type), max})
            : b_.CreateCall(cx_.external("flow_set_remove", cx_.str_type(), {ptr, ptr, i64, ptr, cx_.i32()}),
                            {cx_.arena, list.a, count, element_, expressions_.list_kind(type)});
    set_field(s, {b_.CreateExtractValue(pair, 0), b_.CreateExtractValue(pair, 1), cx_.false_()});
  }

  //! A field's value after `clear state`: its initial expression (constant), else its type's zero.
  CgValue initial_value(const plan::StateFieldPlan& field) {
    if (field.initial) {
      ExprEnvironment constants;
      return expressions_.convert(expressions_.lower(*field.initial, constants), field.initial->type, field.type);
    }
    if (field.type.nullable) return cx_.null_value(field.type);
    CgValue zero = cx_.null_value(field.type);  // 0, 0.0, false, epoch, 0s; "" and [] have length 0
    zero.null = cx_.false_();
    return zero;
  }

  LoweringContext& cx_;
  llvm::IRBuilder<>& b_;
  const plan::Plan& plan_;
  const plan::QueryPlan& query_;
  const plan::LogicalProcess& process_;
  ExpressionLowering expressions_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* call_ = nullptr;
  llvm::Value* state_ = nullptr;
  llvm::Value* out_ = nullptr;
  llvm::Value* element_ = nullptr;
  llvm::Value* cleared_ = nullptr;
  CgValue key_;
  std::vector<CgValue> fields_;
  std::vector<llvm::Value*> locals_;
  std::map<int32_t, std::vector<llvm::Value*>> record_locals_;
};

}  // namespace

std::string handler_function_name(size_t query, size_t handler) {
  return "flow_handler_" + std::to_string(query) + "_" + std::to_string(handler);
}

void lower_handlers(LoweringContext& cx, const plan::Plan& plan, std::string* skipped) {
  llvm::Type* ptr = cx.ptr();
  auto* type = llvm::FunctionType::get(cx.i32(), {ptr, ptr, ptr, ptr, ptr}, false);
  for (size_t q = 0; q < plan.queries.size(); ++q) {
    const plan::QueryPlan& query = plan.queries[q];
    if (!query.process_index()) continue;
    const auto* process = static_cast<const plan::LogicalProcess*>(query.operators[query.process_index()].get());
    for (size_t h = 0; h < process->handlers.size(); ++h) {
      auto* fn = llvm::Function::Create(type, llvm::Function::ExternalLinkage, handler_function_name(q, h), cx.module());
      // The state, key, record and arena never overlap, and callbacks never write them.
      for (unsigned arg = 1; arg < 5; ++arg) fn->addParamAttr(arg, llvm::Attribute::NoAlias);
      try {
        HandlerLowering(cx, plan, query, *process).run(process->handlers[h], fn);
      } catch (const CodegenError& e) {
        fn->eraseFromParent();
        if (skipped)
          *skipped += "query `" + query.name + "`, `on " + process->handlers[h].event + "`: " + e.what() +
                      " (this handler runs in the reference evaluator, slower)\n";
      }
    }
  }
  cx.arena = nullptr;
}

}  // namespace flow::compiler::codegen
