// The per-source batch loop. Each query's operators become a chain of basic blocks inside the
// record loop; a failing `where` jumps to the next query, so nothing is materialised between
// operators: values stay in SSA registers until the sink encodes them.
#include "compiler/codegen/pipeline_lowering.hpp"

#include "compiler/codegen/decoder_lowering.hpp"
#include "compiler/codegen/expression_lowering.hpp"
#include "compiler/codegen/stateless_lowering.hpp"
#include "compiler/physical/physical_planner.hpp"
#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_explode.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "compiler/plan/operators/logical_join.hpp"
#include "compiler/plan/operators/logical_union.hpp"
#include "runtime/abi/flow_abi.h"

namespace flow::compiler::codegen {

using plan::BoundExpr;
using plan::OperatorKind;

namespace {

//! Lowers one batch function.
class BatchLowering {
 public:
  BatchLowering(LoweringContext& cx, const plan::Plan& plan, const plan::SourcePlan& source)
      : cx_(cx), b_(cx.builder()), plan_(plan), source_(source), expressions_(cx) {}

  void run() {
    llvm::Type* ptr = cx_.ptr();
    auto* type = llvm::FunctionType::get(b_.getVoidTy(), {ptr, ptr, ptr, ptr, cx_.i64()}, false);
    fn_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, batch_function_name(source_.name),
                                 cx_.module());
    task_ = fn_->getArg(0);
    decoder_ = fn_->getArg(1);
    encoders_ = fn_->getArg(2);
    llvm::Value* records = fn_->getArg(3);
    llvm::Value* count = fn_->getArg(4);

    auto* entry = llvm::BasicBlock::Create(cx_.llvm(), "entry", fn_);
    auto* loop = llvm::BasicBlock::Create(cx_.llvm(), "loop", fn_);
    auto* body = llvm::BasicBlock::Create(cx_.llvm(), "record", fn_);
    auto* exit = llvm::BasicBlock::Create(cx_.llvm(), "exit", fn_);
    b_.SetInsertPoint(entry);
    cx_.arena = b_.CreateCall(cx_.external("flow_rt_arena", ptr, {ptr}), {task_});
    max_record_bytes_ = b_.CreateCall(cx_.external("flow_json_max_record_bytes", cx_.i64(), {ptr}), {decoder_});
    if (feeds_keyed_state())
      event_time_limit_ = b_.CreateCall(cx_.external("flow_rt_event_time_limit", cx_.i64(), {ptr}), {task_});
    size_t width = std::max<size_t>(source_.schema.size(), widest_record());
    fields_ = b_.CreateAlloca(cx_.value_type(), cx_.i64_const(static_cast<int64_t>(source_.schema.size() + 1)),
                              "fields");
    out_ = b_.CreateAlloca(cx_.value_type(), cx_.i64_const(static_cast<int64_t>(width + 1)), "out");
    key_slot_ = b_.CreateAlloca(cx_.value_type(), nullptr, "key");
    detail_ = b_.CreateAlloca(cx_.str_type(), nullptr, "detail");
    b_.CreateBr(loop);

    b_.SetInsertPoint(loop);
    llvm::PHINode* i = b_.CreatePHI(cx_.i64(), 2, "i");
    i->addIncoming(cx_.i64_const(0), entry);
    b_.CreateCondBr(b_.CreateICmpSLT(i, count), body, exit);

    b_.SetInsertPoint(body);
    record_ = b_.CreateGEP(cx_.record_type(), records, i, "rec");
    auto* next = llvm::BasicBlock::Create(cx_.llvm(), "next", fn_);
    lower_record(next);
    b_.SetInsertPoint(next);
    llvm::Value* i_next = b_.CreateAdd(i, cx_.i64_const(1));
    i->addIncoming(i_next, next);
    b_.CreateBr(loop);

    b_.SetInsertPoint(exit);
    b_.CreateRetVoid();
  }

 private:
  //! Whether a query reading this source reaches an `aggregate` or a `process`.
  bool feeds_keyed_state() const {
    for (const auto& query : plan_.queries) {
      if (std::find(query.sources.begin(), query.sources.end(), source_.name) == query.sources.end()) continue;
      for (const auto& op : query.operators)
        if (op->kind == OperatorKind::Aggregate || op->kind == OperatorKind::Process) return true;
    }
    return false;
  }

  size_t widest_record() const {
    size_t width = 0;
    for (const auto& query : plan_.queries)
      for (const auto& op : query.operators) {
        width = std::max(width, op->output.size());
        if (op->kind == OperatorKind::Aggregate) {  // group values and arguments
          const auto& aggregate = static_cast<const plan::LogicalAggregate&>(*op);
          width = std::max(width, aggregate.grouped_width());
        }
      }
    return width;
  }

  void lower_record(llvm::BasicBlock* next) {
    llvm::Type* ptr = cx_.ptr();
    llvm::Type* i64 = cx_.i64();
    b_.CreateCall(cx_.external("flow_arena_reset", b_.getVoidTy(), {ptr}), {cx_.arena});
    llvm::Value* value = b_.CreateLoad(ptr, b_.CreateStructGEP(cx_.record_type(), record_, 0));
    llvm::Value* length = b_.CreateLoad(i64, b_.CreateStructGEP(cx_.record_type(), record_, 1));
    // The schema's own fast path first; what it gives up on, flow_json_decode decodes.
    auto* good = llvm::BasicBlock::Create(cx_.llvm(), "decoded", fn_);
    auto* slow = llvm::BasicBlock::Create(cx_.llvm(), "decode", fn_);
    if (!fast_decode_)
      fast_decode_ = lower_fast_decode(cx_, source_.schema, physical::needed_fields(plan_, source_.name),
                                       "flow_fast_decode_" + source_.name);
    llvm::Value* fast = b_.CreateCall(fast_decode_, {value, length, max_record_bytes_, fields_});
    b_.CreateCondBr(fast, good, slow);
    b_.SetInsertPoint(slow);
    llvm::Value* status = b_.CreateCall(cx_.external("flow_json_decode", cx_.i32(), {ptr, ptr, i64, ptr, ptr, ptr}),
                                        {decoder_, value, length, fields_, cx_.arena, detail_});
    auto* bad = llvm::BasicBlock::Create(cx_.llvm(), "dead_letter", fn_);
    b_.CreateCondBr(b_.CreateICmpNE(status, b_.getInt32(0)), bad, good);

    b_.SetInsertPoint(bad);
    llvm::Value* detail_data = b_.CreateLoad(ptr, b_.CreateStructGEP(cx_.str_type(), detail_, 0));
    llvm::Value* detail_len = b_.CreateLoad(i64, b_.CreateStructGEP(cx_.str_type(), detail_, 1));
    b_.CreateCall(cx_.external("flow_rt_dead_letter", b_.getVoidTy(), {ptr, ptr, cx_.i32(), ptr, i64}),
                  {task_, record_, status, detail_data, detail_len});
    b_.CreateBr(next);

    b_.SetInsertPoint(good);
    std::vector<CgValue> fields;
    for (size_t f = 0; f < source_.schema.size(); ++f)
      fields.push_back(cx_.load_value(cx_.slot(fields_, f), source_.schema[f].type));
    event_time_ = b_.CreateLoad(i64, b_.CreateStructGEP(cx_.record_type(), record_, 5));
    if (source_.event_time) {
      int index = plan::find_field(source_.schema, *source_.event_time);
      // A null event time falls back to the Kafka timestamp.
      event_time_ = b_.CreateSelect(fields[index].null, event_time_, fields[index].a);
    }
    if (event_time_limit_) {
      // An event time far past the clock would move the watermark past every later record.
      auto* ahead = llvm::BasicBlock::Create(cx_.llvm(), "event_time_ahead", fn_);
      auto* in_time = llvm::BasicBlock::Create(cx_.llvm(), "event_time_ok", fn_);
      b_.CreateCondBr(b_.CreateICmpSGT(event_time_, event_time_limit_), ahead, in_time);
      b_.SetInsertPoint(ahead);
      b_.CreateCall(cx_.external("flow_rt_event_time_ahead", b_.getVoidTy(), {ptr, ptr, i64}),
                    {task_, record_, event_time_});
      b_.CreateBr(next);
      b_.SetInsertPoint(in_time);
    }
    for (size_t q = 0; q < plan_.queries.size(); ++q) {
      const plan::QueryPlan& query = plan_.queries[q];
      if (query.operators.empty()) continue;
      if (query.reads_stream(source_.name)) {
        lower_query(static_cast<int>(q), query, fields);
      } else if (const plan::LogicalJoin* join = query.join(); join && join->other == source_.name) {
        lower_join_input(static_cast<int>(q), *join, fields);
      } else if (query.operators.front()->kind == OperatorKind::Union) {
        lower_union_input(static_cast<int>(q), static_cast<const plan::LogicalUnion&>(*query.operators.front()), fields);
      }
    }
    b_.CreateBr(next);
  }

  void lower_query(int query_index, const plan::QueryPlan& query, std::vector<CgValue> fields) {
    auto* done = llvm::BasicBlock::Create(cx_.llvm(), "query." + query.name + ".done", fn_);
    RowValues row;
    row.fields = std::move(fields);
    for (const auto& field : query.operators.front()->output) row.types.push_back(field.type);
    lower_operators(query_index, query, 1, std::move(row), done);
    b_.SetInsertPoint(done);
  }

  //! Operators [first, …) of the query on `row`, ending (dropped or written) with a branch to `done`.
  void lower_operators(int query_index, const plan::QueryPlan& query, size_t first, RowValues row,
                       llvm::BasicBlock* done) {
    StatelessLowering stateless(cx_, plan_, expressions_, [&](int32_t metric, llvm::Value* count) {
      b_.CreateCall(cx_.callback("flow_rt_tally", b_.getVoidTy(), {cx_.ptr(), cx_.i32(), cx_.i64()}),
                    {task_, b_.getInt32(metric), count});
    });
    for (size_t k = first; k < query.operators.size(); ++k) {
      const plan::LogicalOperator& op = *query.operators[k];
      if (stateless.lower(op, row, done, "query." + query.name)) continue;
      key_type_ = row.key_type;
      ExprEnvironment env{&row.fields, row.key ? &*row.key : nullptr};
      switch (op.kind) {
        case OperatorKind::Sink: emit(query_index, row.fields, row.types, row.key); break;
        case OperatorKind::Aggregate:
          to_aggregate(query_index, static_cast<const plan::LogicalAggregate&>(op), env);
          break;
        case OperatorKind::Process: to_state(query_index, row.fields, row.types, row.key); break;
        case OperatorKind::Join: {
          // The stream's row goes to the join's state under its join key.
          const auto& join = static_cast<const plan::LogicalJoin&>(op);
          CgValue key = expressions_.lower(join.key, env);
          key_type_ = join.key.type;
          to_state(query_index, row.fields, row.types, key);
          break;
        }
        case OperatorKind::Explode:
          lower_explode(query_index, query, k, static_cast<const plan::LogicalExplode&>(op), std::move(row), done);
          return;  // the element loop ends at `done`
        default: continue;
      }
      break;
    }
    b_.CreateBr(done);
  }

  //! `explode`: a loop over the list's elements, inside the record loop. The record's fields stay
  //! in registers; the operators after it run in the loop's body, once per element, on the fields
  //! and the element (loaded from the list's flow_values). A null list runs no element.
  void lower_explode(int query_index, const plan::QueryPlan& query, size_t k, const plan::LogicalExplode& op,
                     RowValues row, llvm::BasicBlock* done) {
    llvm::Type* i64 = cx_.i64();
    ExprEnvironment env{&row.fields, row.key ? &*row.key : nullptr};
    CgValue list = expressions_.lower(op.list, env);
    // A list the arena had no room for (split of a huge line) must not pass as an empty one: the
    // record is dead-lettered with the reason, and this query skips it.
    if (produces_list_in_arena(op.list)) {
      llvm::Value* flag =
          b_.CreateLoad(cx_.i32(), b_.CreateStructGEP(arena_type(), cx_.arena, 3), "arena.out_of_space");
      auto* full = llvm::BasicBlock::Create(cx_.llvm(), "explode.no_room", fn_);
      auto* room = llvm::BasicBlock::Create(cx_.llvm(), "explode.room", fn_);
      b_.CreateCondBr(b_.CreateICmpNE(flag, b_.getInt32(0)), full, room);
      b_.SetInsertPoint(full);
      std::string detail = "query `" + query.name + "`: the list of `explode " + plan::to_source(op.list) +
                           "` needs more than the task's scratch memory for one record; split shorter records";
      llvm::Value* text = b_.CreateGlobalStringPtr(detail, "explode.no_room.detail", 0, &cx_.module());
      b_.CreateCall(cx_.external("flow_rt_dead_letter", b_.getVoidTy(), {cx_.ptr(), cx_.ptr(), cx_.i32(), cx_.ptr(), i64}),
                    {task_, record_, b_.getInt32(FLOW_DECODE_TOO_LARGE), text,
                     cx_.i64_const(static_cast<int64_t>(detail.size()))});
      b_.CreateBr(done);
      b_.SetInsertPoint(room);
    }
    llvm::Value* count = b_.CreateSelect(list.null, cx_.i64_const(0), list.b, "explode.count");
    // What one element's operators write to the arena is dead once they end (callbacks copy what
    // they keep), so each element starts from the same mark: the arena holds the record, the
    // list and one element's strings, however long the list.
    llvm::Value* used_slot = b_.CreateStructGEP(arena_type(), cx_.arena, 2);
    llvm::Value* mark = b_.CreateLoad(i64, used_slot, "explode.mark");
    llvm::BasicBlock* before = b_.GetInsertBlock();
    auto* header = llvm::BasicBlock::Create(cx_.llvm(), "explode." + op.element_name(), fn_);
    auto* body = llvm::BasicBlock::Create(cx_.llvm(), "explode." + op.element_name() + ".element", fn_);
    auto* next = llvm::BasicBlock::Create(cx_.llvm(), "explode." + op.element_name() + ".next", fn_);
    b_.CreateBr(header);
    b_.SetInsertPoint(header);
    llvm::PHINode* j = b_.CreatePHI(i64, 2, "j");
    j->addIncoming(cx_.i64_const(0), before);
    b_.CreateCondBr(b_.CreateICmpSLT(j, count), body, done);

    b_.SetInsertPoint(body);
    b_.CreateStore(mark, used_slot);
    const plan::Type& element_type = op.output.back().type;
    llvm::Value* slot = b_.CreateGEP(cx_.value_type(), list.a, j, "element");
    row.fields.push_back(cx_.load_value(slot, element_type));
    row.types.push_back(element_type);
    lower_operators(query_index, query, k + 1, std::move(row), next);

    b_.SetInsertPoint(next);
    llvm::Value* j_next = b_.CreateAdd(j, cx_.i64_const(1));
    j->addIncoming(j_next, next);
    b_.CreateBr(header);
  }

  //! Whether `list` is computed into the arena here (a `split`), where it can run out of room.
  static bool produces_list_in_arena(const BoundExpr& list) {
    if (list.kind == plan::BoundKind::Call && (list.name == "split" || list.name == "regexp_split")) return true;
    for (const auto& child : list.children)
      if (produces_list_in_arena(child)) return true;
    return false;
  }

  //! flow_arena as LLVM sees it (stdlib/flow_stdlib.h): { buffer, capacity, used, out_of_space }.
  llvm::StructType* arena_type() {
    return llvm::StructType::get(cx_.llvm(), {cx_.ptr(), cx_.i64(), cx_.i64(), cx_.i32()});
  }

  void lower_union_input(int query_index, const plan::LogicalUnion& union_op, const std::vector<CgValue>& fields) {
    for (const auto& input : union_op.inputs) {
      if (input.source != source_.name) continue;
      ExprEnvironment env{&fields, nullptr};
      CgValue key = expressions_.lower(input.key, env);
      key_type_ = input.key.type;
      std::vector<plan::Type> types;
      for (const auto& field : source_.schema) types.push_back(field.type);
      to_state(query_index, fields, types, key);
    }
  }

  //! A joined table's record: its whole row to the join's state, under the row's key field.
  //! A record of a join's other side (a table's row, or the other stream's record): its whole row
  //! goes to the join's state under its key (the table's key field, or the other stream's key
  //! expression).
  void lower_join_input(int query_index, const plan::LogicalJoin& join, const std::vector<CgValue>& fields) {
    std::vector<plan::Type> types;
    for (const auto& field : source_.schema) types.push_back(field.type);
    if (join.windowed) {
      ExprEnvironment env{&fields, nullptr};
      CgValue key = expressions_.lower(join.other_key, env);
      key_type_ = join.other_key.type;
      to_state(query_index, fields, types, key);
      return;
    }
    key_type_ = join.other_schema[join.other_key_index].type;
    to_state(query_index, fields, types, fields[join.other_key_index]);
  }

  void store_record(const std::vector<CgValue>& fields, const std::vector<plan::Type>& types) {
    for (size_t f = 0; f < fields.size(); ++f) cx_.store_value(cx_.slot(out_, f), fields[f], types[f]);
  }

  void to_state(int query_index, const std::vector<CgValue>& fields, const std::vector<plan::Type>& types,
                const std::optional<CgValue>& key) {
    store_record(fields, types);
    llvm::Value* key_pointer = llvm::ConstantPointerNull::get(cx_.ptr());
    if (key) {
      cx_.store_value(key_slot_, *key, key_type_);
      key_pointer = key_slot_;
    }
    b_.CreateCall(cx_.callback("flow_rt_to_state", b_.getVoidTy(),
                               {cx_.ptr(), cx_.i32(), cx_.ptr(), cx_.ptr(), cx_.i64(), cx_.i64(), cx_.ptr()}),
                  {task_, b_.getInt32(query_index), key_pointer, out_,
                   cx_.i64_const(static_cast<int64_t>(fields.size())), event_time_, record_});
  }

  //! The group's values and the aggregates' arguments, computed here rather than by the
  //! runtime: the aggregate's state then folds values it is handed.
  void to_aggregate(int query_index, const plan::LogicalAggregate& aggregate, const ExprEnvironment& env) {
    size_t slot_index = 0;
    for (size_t k = 0; k < aggregate.keys.size(); ++k) {
      const plan::Type type = aggregate.group_field(k).type;
      CgValue value = expressions_.convert(expressions_.lower(aggregate.keys[k], env), aggregate.keys[k].type, type);
      cx_.store_value(cx_.slot(out_, slot_index++), value, type);
    }
    if (aggregate.top) {  // the ordering values, then the record itself: a top keeps whole records
      for (const auto& key : aggregate.top->order)
        cx_.store_value(cx_.slot(out_, slot_index++), expressions_.lower(key.value, env), key.value.type);
      for (size_t f = 0; f < aggregate.row_width(); ++f)
        cx_.store_value(cx_.slot(out_, slot_index++), env.fields->at(f), aggregate.output[f].type);
    }
    for (const auto& call : aggregate.aggregates) {
      if (call.argument)
        cx_.store_value(cx_.slot(out_, slot_index++), expressions_.lower(*call.argument, env), call.argument->type);
      else
        cx_.store_value(cx_.slot(out_, slot_index++), cx_.null_value(plan::Type::scalar(plan::TypeKind::Int)),
                        plan::Type::scalar(plan::TypeKind::Int));
      if (call.by) cx_.store_value(cx_.slot(out_, slot_index++), expressions_.lower(*call.by, env), call.by->type);
    }
    b_.CreateCall(cx_.callback("flow_rt_to_aggregate", b_.getVoidTy(),
                               {cx_.ptr(), cx_.i32(), cx_.ptr(), cx_.i64(), cx_.i64(), cx_.ptr()}),
                  {task_, b_.getInt32(query_index), out_, cx_.i64_const(static_cast<int64_t>(slot_index)), event_time_,
                   record_});
  }

  //! The Kafka message key: a string key as its bytes, other keys as their text; none if unkeyed.
  std::pair<llvm::Value*, llvm::Value*> key_bytes(const std::optional<CgValue>& key, const plan::Type& type) {
    if (!key) return {llvm::ConstantPointerNull::get(cx_.ptr()), cx_.i64_const(0)};
    llvm::Value* pair = nullptr;
    switch (type.kind) {
      case plan::TypeKind::String: return {key->a, b_.CreateSelect(key->null, cx_.i64_const(0), key->b)};
      case plan::TypeKind::Float:
        pair = b_.CreateCall(cx_.external("flow_cg_format_float", cx_.str_type(), {cx_.ptr(), cx_.f64()}),
                             {cx_.arena, key->a});
        break;
      case plan::TypeKind::Bool:
        pair = b_.CreateCall(cx_.external("flow_cg_format_int", cx_.str_type(), {cx_.ptr(), cx_.i64()}),
                             {cx_.arena, b_.CreateZExt(key->a, cx_.i64())});
        break;
      default:
        pair = b_.CreateCall(cx_.external("flow_cg_format_int", cx_.str_type(), {cx_.ptr(), cx_.i64()}),
                             {cx_.arena, key->a});
        break;
    }
    llvm::Value* length = b_.CreateSelect(key->null, cx_.i64_const(0), b_.CreateExtractValue(pair, 1));
    return {b_.CreateExtractValue(pair, 0), length};
  }

  void emit(int query_index, const std::vector<CgValue>& fields, const std::vector<plan::Type>& types,
            const std::optional<CgValue>& key) {
    store_record(fields, types);
    llvm::Value* encoder = b_.CreateLoad(cx_.ptr(), b_.CreateGEP(cx_.ptr(), encoders_, cx_.i64_const(query_index)));
    llvm::Value* json = b_.CreateCall(cx_.external("flow_json_encode", cx_.str_type(), {cx_.ptr(), cx_.ptr(), cx_.ptr()}),
                                      {encoder, out_, cx_.arena});
    auto [key_data, key_length] = key_bytes(key, key_type_);
    b_.CreateCall(cx_.callback("flow_rt_emit", b_.getVoidTy(),
                               {cx_.ptr(), cx_.i32(), cx_.ptr(), cx_.i64(), cx_.ptr(), cx_.i64(), cx_.i64()}),
                  {task_, b_.getInt32(query_index), key_data, key_length, b_.CreateExtractValue(json, 0),
                   b_.CreateExtractValue(json, 1), event_time_});
  }

  LoweringContext& cx_;
  llvm::IRBuilder<>& b_;
  const plan::Plan& plan_;
  const plan::SourcePlan& source_;
  ExpressionLowering expressions_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* task_ = nullptr;
  llvm::Value* decoder_ = nullptr;
  llvm::Value* encoders_ = nullptr;
  llvm::Value* record_ = nullptr;
  llvm::Value* fields_ = nullptr;
  llvm::Value* out_ = nullptr;
  llvm::Value* key_slot_ = nullptr;
  llvm::Value* detail_ = nullptr;
  llvm::Value* max_record_bytes_ = nullptr;
  llvm::Function* fast_decode_ = nullptr;  //!< the source's generated decoder (decoder_lowering.hpp)
  llvm::Value* event_time_ = nullptr;
  llvm::Value* event_time_limit_ = nullptr;  //!< null: no query of this source has keyed state
  plan::Type key_type_;
};

}  // namespace

std::string batch_function_name(const std::string& source) { return "flow_batch_" + source; }

void lower_pipelines(LoweringContext& cx, const plan::Plan& plan) {
  for (const auto& source : plan.sources) {
    bool read = false;
    for (const auto& query : plan.queries)
      read |= std::find(query.sources.begin(), query.sources.end(), source.name) != query.sources.end();
    if (read) BatchLowering(cx, plan, source).run();
  }
}

}  // namespace flow::compiler::codegen
