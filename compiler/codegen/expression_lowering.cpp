// Expression lowering. Every node yields its value words and a null flag; nulls propagate with
// `or`, except in `==`/`!=` (null equals only null), `and`/`or` (three-valued logic), `if` and
// `coalesce`. Integer arithmetic wraps;
// `/` and `%` by zero give null, and INT64_MIN / -1 wraps instead of trapping.
#include "compiler/codegen/expression_lowering.hpp"

#include <algorithm>

#include "stdlib/flow_stdlib.h"

namespace flow::compiler::codegen {

using plan::BoundExpr;
using plan::BoundKind;
using plan::Type;
using plan::TypeKind;

namespace {

bool is_integral(TypeKind kind) {
  return kind == TypeKind::Int || kind == TypeKind::Timestamp || kind == TypeKind::Duration;
}

}  // namespace

CgValue ExpressionLowering::convert(const CgValue& value, const Type& from, const Type& to) {
  if (from.kind == TypeKind::Null) return cx_.null_value(to);
  if (from.kind == TypeKind::Int && to.kind == TypeKind::Float)
    return {cx_.builder().CreateSIToFP(value.a, cx_.f64()), nullptr, value.null};
  if (from.kind == TypeKind::List && to.kind == TypeKind::List && !from.element.empty() && !to.element.empty() &&
      from.element.front().kind != to.element.front().kind)
    throw CodegenError("a " + from.to_string() + " where a " + to.to_string() + " is expected has no lowering");
  return value;
}

CgValue ExpressionLowering::select(llvm::Value* condition, const CgValue& then, const CgValue& otherwise) {
  auto& b = cx_.builder();
  CgValue v;
  v.a = b.CreateSelect(condition, then.a, otherwise.a);
  if (then.b) v.b = b.CreateSelect(condition, then.b, otherwise.b);
  v.null = b.CreateSelect(condition, then.null, otherwise.null);
  return v;
}

CgValue ExpressionLowering::string_result(llvm::Value* pair, llvm::Value* null) {
  auto& b = cx_.builder();
  return {b.CreateExtractValue(pair, 0), b.CreateExtractValue(pair, 1), null};
}

llvm::Value* ExpressionLowering::lower_condition(const BoundExpr& expr, const ExprEnvironment& env) {
  CgValue v = lower(expr, env);
  return cx_.builder().CreateAnd(cx_.builder().CreateNot(v.null), v.a);
}

CgValue ExpressionLowering::lower(const BoundExpr& expr, const ExprEnvironment& env) {
  switch (expr.kind) {
    case BoundKind::Literal: return lower_literal(expr);
    case BoundKind::InputField:
      if (!env.fields || expr.index < 0 || static_cast<size_t>(expr.index) >= env.fields->size())
        throw CodegenError("field `" + expr.name + "` is not available here");
      return (*env.fields)[expr.index];
    case BoundKind::Key:
      if (!env.key) throw CodegenError("`key` is not available here");
      return *env.key;
    case BoundKind::Unary: return lower_unary(expr, env);
    case BoundKind::Binary: return lower_binary(expr, env);
    case BoundKind::Call: return lower_call(expr, env);
    case BoundKind::If: return lower_if(expr, env);
    case BoundKind::StateField:
      if (!env.state) break;
      return cx_.load_value(cx_.builder().CreateGEP(cx_.value_type(), env.state, cx_.i64_const(expr.index)), expr.type);
    case BoundKind::Local:
      if (!env.locals || expr.index < 0 || static_cast<size_t>(expr.index) >= env.locals->size()) break;
      return cx_.load_value((*env.locals)[expr.index], expr.type);
    case BoundKind::Member:
      if (expr.children.empty() || expr.index < 0) break;
      return lower_record(expr.children[0], env).at(static_cast<size_t>(expr.index));
    case BoundKind::Index: {
      CgValue list = lower(expr.children[0], env);
      CgValue index = lower(expr.children[1], env);
      auto& b = cx_.builder();
      llvm::Value* count = b.CreateSelect(list.null, cx_.i64_const(0), list.b);
      // Unsigned: a negative index is past the end too.
      llvm::Value* inside = b.CreateAnd(b.CreateNot(index.null), b.CreateICmpULT(index.a, count));
      return element_at(list, b.CreateSelect(inside, index.a, cx_.i64_const(-1)), expr.type);
    }
    case BoundKind::Record: break;
  }
  throw CodegenError("`" + plan::to_source(expr) + "` has no lowering here");
}

CgValue ExpressionLowering::element_at(const CgValue& list, llvm::Value* position, const Type& element) {
  auto& b = cx_.builder();
  // Outside the list the element is read from a null flow_value instead: no branch, no load
  // from past the end (or from a null list's null pointer).
  if (!null_element_) {
    llvm::Constant* null = llvm::ConstantStruct::get(
        cx_.value_type(), {cx_.builder().getInt64(0), cx_.builder().getInt64(0), cx_.builder().getInt8(1)});
    null_element_ = new llvm::GlobalVariable(cx_.module(), cx_.value_type(), true, llvm::GlobalValue::PrivateLinkage,
                                             null, "list.null_element");
  }
  llvm::Value* inside = b.CreateICmpSGE(position, cx_.i64_const(0));
  llvm::Value* at = b.CreateGEP(cx_.value_type(), list.a, b.CreateSelect(inside, position, cx_.i64_const(0)));
  llvm::Value* slot = b.CreateSelect(inside, at, null_element_);
  return cx_.load_value(slot, element);
}

llvm::Value* ExpressionLowering::list_kind(const Type& list) {
  TypeKind element = list.element.front().kind;
  return cx_.builder().getInt32(element == TypeKind::Float    ? FLOW_LIST_FLOAT
                                : element == TypeKind::String ? FLOW_LIST_STRING
                                                              : FLOW_LIST_BITS);
}

CgValue ExpressionLowering::lower_literal(const BoundExpr& expr) {
  auto& b = cx_.builder();
  CgValue v;
  v.null = b.getFalse();
  switch (expr.type.kind) {
    case TypeKind::Null:
    case TypeKind::Error: return cx_.null_value(expr.type);
    case TypeKind::Bool: v.a = b.getInt1(expr.int_value != 0); break;
    case TypeKind::Float: v.a = llvm::ConstantFP::get(cx_.f64(), expr.float_value); break;
    case TypeKind::String:
      v.a = b.CreateGlobalStringPtr(expr.text, "str", 0, &cx_.module());
      v.b = cx_.i64_const(static_cast<int64_t>(expr.text.size()));
      break;
    default: v.a = cx_.i64_const(expr.int_value); break;
  }
  return v;
}

CgValue ExpressionLowering::lower_unary(const BoundExpr& expr, const ExprEnvironment& env) {
  auto& b = cx_.builder();
  CgValue operand = lower(expr.children[0], env);
  if (expr.name == "not") return {b.CreateNot(operand.a), nullptr, operand.null};
  if (expr.type.kind == TypeKind::Float) return {b.CreateFNeg(operand.a), nullptr, operand.null};
  return {b.CreateSub(cx_.i64_const(0), operand.a), nullptr, operand.null};  // wraps at INT64_MIN
}

llvm::Value* ExpressionLowering::compare(const std::string& op, const CgValue& l, const Type& lt, const CgValue& r,
                                         const Type& rt) {
  auto& b = cx_.builder();
  if (lt.kind == TypeKind::Float || rt.kind == TypeKind::Float) {
    llvm::Value* x = lt.kind == TypeKind::Float ? l.a : b.CreateSIToFP(l.a, cx_.f64());
    llvm::Value* y = rt.kind == TypeKind::Float ? r.a : b.CreateSIToFP(r.a, cx_.f64());
    if (op == "==") return b.CreateFCmpOEQ(x, y);
    if (op == "!=") return b.CreateFCmpUNE(x, y);
    if (op == "<") return b.CreateFCmpOLT(x, y);
    if (op == "<=") return b.CreateFCmpOLE(x, y);
    if (op == ">") return b.CreateFCmpOGT(x, y);
    return b.CreateFCmpOGE(x, y);
  }
  llvm::Value* x = l.a;
  llvm::Value* y = r.a;
  if (lt.kind == TypeKind::String) {
    // Bytewise lexicographic order: compare the results of flow_cg_str_compare with zero.
    auto fn = cx_.pure_external("flow_cg_str_compare", cx_.i32(), {cx_.ptr(), cx_.i64(), cx_.ptr(), cx_.i64()}, true);
    x = b.CreateCall(fn, {l.a, l.b, r.a, r.b});
    y = b.getInt32(0);
  } else if (lt.kind == TypeKind::Bool) {
    x = b.CreateZExt(l.a, cx_.i64());
    y = b.CreateZExt(r.a, cx_.i64());
  }
  if (op == "==") return b.CreateICmpEQ(x, y);
  if (op == "!=") return b.CreateICmpNE(x, y);
  if (op == "<") return b.CreateICmpSLT(x, y);
  if (op == "<=") return b.CreateICmpSLE(x, y);
  if (op == ">") return b.CreateICmpSGT(x, y);
  return b.CreateICmpSGE(x, y);
}

CgValue ExpressionLowering::lower_binary(const BoundExpr& expr, const ExprEnvironment& env) {
  auto& b = cx_.builder();
  const std::string& op = expr.name;
  const BoundExpr& le = expr.children[0];
  const BoundExpr& re = expr.children[1];
  CgValue l = lower(le, env);
  CgValue r = lower(re, env);

  if (op == "and" || op == "or") {
    // Three-valued: `false and null` is false, `true or null` is true; otherwise null wins.
    llvm::Value* l_known = b.CreateNot(l.null);
    llvm::Value* r_known = b.CreateNot(r.null);
    if (op == "and") {
      llvm::Value* decided = b.CreateOr(b.CreateAnd(l_known, b.CreateNot(l.a)), b.CreateAnd(r_known, b.CreateNot(r.a)));
      llvm::Value* value = b.CreateAnd(b.CreateAnd(l_known, l.a), b.CreateAnd(r_known, r.a));
      return {value, nullptr, b.CreateAnd(b.CreateNot(decided), b.CreateOr(l.null, r.null))};
    }
    llvm::Value* value = b.CreateOr(b.CreateAnd(l_known, l.a), b.CreateAnd(r_known, r.a));
    return {value, nullptr, b.CreateAnd(b.CreateNot(value), b.CreateOr(l.null, r.null))};
  }

  llvm::Value* null = b.CreateOr(l.null, r.null);
  if (op == "==" || op == "!=") {
    // Never null: null equals null and nothing else, so `x == null` tests for null.
    bool literal_null = le.type.kind == TypeKind::Null || re.type.kind == TypeKind::Null;
    llvm::Value* same = literal_null ? b.getFalse() : compare("==", l, le.type, r, re.type);
    llvm::Value* equal = b.CreateOr(b.CreateAnd(l.null, r.null), b.CreateAnd(b.CreateNot(null), same));
    return {op == "==" ? equal : b.CreateNot(equal), nullptr, b.getFalse()};
  }
  if (op == "<" || op == "<=" || op == ">" || op == ">=") return {compare(op, l, le.type, r, re.type), nullptr, null};

  if (expr.type.kind == TypeKind::Float) {
    llvm::Value* x = le.type.kind == TypeKind::Float ? l.a : b.CreateSIToFP(l.a, cx_.f64());
    llvm::Value* y = re.type.kind == TypeKind::Float ? r.a : b.CreateSIToFP(r.a, cx_.f64());
    llvm::Value* v = op == "+"   ? b.CreateFAdd(x, y)
                     : op == "-" ? b.CreateFSub(x, y)
                     : op == "*" ? b.CreateFMul(x, y)
                                 : b.CreateFDiv(x, y);
    return {v, nullptr, null};
  }
  if (!is_integral(expr.type.kind)) throw CodegenError("operator `" + op + "` on " + expr.type.to_string());
  if (op == "+") return {b.CreateAdd(l.a, r.a), nullptr, null};
  if (op == "-") return {b.CreateSub(l.a, r.a), nullptr, null};
  if (op == "*") return {b.CreateMul(l.a, r.a), nullptr, null};
  // `/` and `%`: by zero is null; INT64_MIN / -1 wraps. The divisor is made safe before dividing
  // because LLVM's sdiv is undefined for both.
  llvm::Value* zero = b.CreateICmpEQ(r.a, cx_.i64_const(0));
  llvm::Value* minus_one = b.CreateICmpEQ(r.a, cx_.i64_const(-1));
  llvm::Value* divisor = b.CreateSelect(b.CreateOr(zero, minus_one), cx_.i64_const(1), r.a);
  llvm::Value* v;
  if (op == "/")
    v = b.CreateSelect(minus_one, b.CreateSub(cx_.i64_const(0), l.a), b.CreateSDiv(l.a, divisor));
  else
    v = b.CreateSelect(minus_one, cx_.i64_const(0), b.CreateSRem(l.a, divisor));
  return {v, nullptr, b.CreateOr(null, zero)};
}

CgValue ExpressionLowering::lower_if(const BoundExpr& expr, const ExprEnvironment& env) {
  llvm::Value* condition = lower_condition(expr.children[0], env);
  CgValue then = convert(lower(expr.children[1], env), expr.children[1].type, expr.type);
  CgValue otherwise = convert(lower(expr.children[2], env), expr.children[2].type, expr.type);
  return select(condition, then, otherwise);
}

std::vector<CgValue> ExpressionLowering::lower_record(const BoundExpr& expr, const ExprEnvironment& env) {
  const std::vector<plan::Field>& fields = expr.type.fields;
  std::vector<CgValue> values;
  for (const auto& field : fields)
    if (field.type.kind == TypeKind::Record) throw CodegenError("a record inside a record has no lowering");
  switch (expr.kind) {
    case BoundKind::Record:
      for (size_t f = 0; f < fields.size(); ++f)
        values.push_back(convert(lower(expr.children.at(f), env), expr.children[f].type, fields[f].type));
      return values;
    case BoundKind::Local: {
      if (!env.record_locals || !env.record_locals->count(expr.index)) break;
      const std::vector<llvm::Value*>& slots = env.record_locals->at(expr.index);
      for (size_t f = 0; f < fields.size(); ++f) values.push_back(cx_.load_value(slots.at(f), fields[f].type));
      return values;
    }
    case BoundKind::If: {
      llvm::Value* condition = lower_condition(expr.children[0], env);
      std::vector<CgValue> then = lower_record(expr.children[1], env);
      std::vector<CgValue> otherwise = lower_record(expr.children[2], env);
      for (size_t f = 0; f < fields.size(); ++f)
        values.push_back(select(condition, convert(then.at(f), expr.children[1].type.fields.at(f).type, fields[f].type),
                                convert(otherwise.at(f), expr.children[2].type.fields.at(f).type, fields[f].type)));
      return values;
    }
    default: break;
  }
  throw CodegenError("`" + plan::to_source(expr) + "` as a record has no lowering");
}

CgValue ExpressionLowering::lower_call(const BoundExpr& expr, const ExprEnvironment& env) {
  auto& b = cx_.builder();
  const std::string& name = expr.name;
  std::vector<CgValue> args;
  llvm::Value* null = b.getFalse();
  for (const auto& child : expr.children) {
    args.push_back(lower(child, env));
    null = b.CreateOr(null, args.back().null);
  }
  auto arg_kind = [&](size_t i) { return expr.children[i].type.kind; };
  llvm::Type* i64 = cx_.i64();
  llvm::Type* f64 = cx_.f64();
  llvm::Type* ptr = cx_.ptr();
  llvm::Type* str = cx_.str_type();
  // Functions that take the arena write to it; all others are pure (they read only their string
  // arguments), so repeated calls on the same values are merged by the optimiser.
  auto call = [&](const char* fn, llvm::Type* result, llvm::ArrayRef<llvm::Type*> params,
                  llvm::ArrayRef<llvm::Value*> values) {
    bool writes_arena = !values.empty() && values.front() == cx_.arena;
    bool reads_memory = std::any_of(params.begin(), params.end(), [&](llvm::Type* t) { return t == ptr; });
    llvm::FunctionCallee callee = writes_arena ? cx_.external(fn, result, params)
                                               : cx_.pure_external(fn, result, params, reads_memory);
    return b.CreateCall(callee, values);
  };

  if (name == "coalesce") {
    CgValue result = convert(args.back(), expr.children.back().type, expr.type);
    for (size_t i = args.size() - 1; i-- > 0;) {
      CgValue candidate = convert(args[i], expr.children[i].type, expr.type);
      result = select(b.CreateNot(candidate.null), candidate, result);
    }
    return result;
  }
  if (name == "len" && arg_kind(0) == TypeKind::List) return {args[0].b, nullptr, null};  // its elements
  if (arg_kind(0) == TypeKind::List && (name == "sort" || name == "sum" || name == "list_min" || name == "list_max")) {
    const Type& list = expr.children[0].type;
    llvm::Value* count = b.CreateSelect(args[0].null, cx_.i64_const(0), args[0].b);
    if (name == "sort") {
      // Writes the arena; reads the elements' strings through the elements: not pure.
      llvm::Value* sorted = b.CreateCall(cx_.external("flow_list_sort", str, {ptr, ptr, i64, cx_.i32()}),
                                         {cx_.arena, args[0].a, count, list_kind(list)});
      return {b.CreateExtractValue(sorted, 0), b.CreateExtractValue(sorted, 1), null};
    }
    if (name == "sum") {
      bool floats = list.element.front().kind == TypeKind::Float;
      return {call(floats ? "flow_list_sum_float" : "flow_list_sum_int", floats ? f64 : i64, {ptr, i64},
                   {args[0].a, count}),
              nullptr, null};
    }
    llvm::Value* position =
        b.CreateCall(cx_.external("flow_list_extreme", i64, {ptr, i64, cx_.i32(), cx_.i32()}),
                     {args[0].a, count, list_kind(list), b.getInt32(name == "list_max" ? 1 : 0)});
    return element_at(args[0], position, expr.type);
  }
  if (name == "len") return {call("flow_str_len", i64, {ptr, i64}, {args[0].a, args[0].b}), nullptr, null};
  if (name == "contains" && arg_kind(0) == TypeKind::List) {
    const plan::Type& element = expr.children[0].type.element.at(0);
    CgValue x = convert(args[1], expr.children[1].type, element.as_nullable(true));
    int32_t kind = element.kind == TypeKind::Float ? 1 : element.kind == TypeKind::String ? 2 : 0;
    llvm::Value* bits = kind == 1   ? b.CreateBitCast(x.a, i64)
                        : kind == 2 ? b.CreatePtrToInt(x.a, i64)
                        : element.kind == TypeKind::Bool ? b.CreateZExt(x.a, i64)
                                                         : x.a;
    llvm::Value* len = kind == 2 ? x.b : cx_.i64_const(0);
    llvm::Value* found = call("flow_cg_list_contains", cx_.i32(), {ptr, i64, cx_.i32(), i64, i64},
                              {args[0].a, args[0].b, b.getInt32(kind), bits, len});
    return {b.CreateICmpNE(found, b.getInt32(0)), nullptr, null};
  }
  if (name == "lower" || name == "upper")
    return string_result(call(name == "lower" ? "flow_str_lower" : "flow_str_upper", str, {ptr, ptr, i64},
                              {cx_.arena, args[0].a, args[0].b}),
                         null);
  if (name == "contains" || name == "starts_with" || name == "ends_with") {
    std::string fn = "flow_str_" + name;
    llvm::Value* flag = call(fn.c_str(), cx_.i8(), {ptr, i64, ptr, i64}, {args[0].a, args[0].b, args[1].a, args[1].b});
    return {b.CreateICmpNE(flag, b.getInt8(0)), nullptr, null};
  }
  if (name == "substr") {
    llvm::Value* length = args.size() == 3 ? args[2].a : cx_.i64_const(INT64_MAX);
    return string_result(call("flow_str_substr", str, {ptr, i64, i64, i64}, {args[0].a, args[0].b, args[1].a, length}),
                         null);
  }
  if (name == "concat") {
    if (args.size() == 1) return {args[0].a, args[0].b, null};
    if (args.size() == 2)
      return string_result(call("flow_str_concat", str, {ptr, ptr, i64, ptr, i64},
                                {cx_.arena, args[0].a, args[0].b, args[1].a, args[1].b}),
                           null);
    llvm::Value* parts = b.CreateAlloca(str, cx_.i64_const(static_cast<int64_t>(args.size())));
    for (size_t i = 0; i < args.size(); ++i) {
      llvm::Value* part = b.CreateGEP(str, parts, cx_.i64_const(static_cast<int64_t>(i)));
      b.CreateStore(args[i].a, b.CreateStructGEP(str, part, 0));
      b.CreateStore(args[i].b, b.CreateStructGEP(str, part, 1));
    }
    return string_result(call("flow_str_concat_n", str, {ptr, ptr, i64},
                              {cx_.arena, parts, cx_.i64_const(static_cast<int64_t>(args.size()))}),
                         null);
  }
  if (name == "split_part")
    return string_result(call("flow_str_split_part", str, {ptr, i64, ptr, i64, i64},
                              {args[0].a, args[0].b, args[1].a, args[1].b, args[2].a}),
                         null);
  // A list of strings: its items (laid out as flow_values) in the arena, views into the string.
  if (name == "split")
    return string_result(call("flow_str_split", str, {ptr, ptr, i64, ptr, i64},
                              {cx_.arena, args[0].a, args[0].b, args[1].a, args[1].b}),
                         null);
  if (name.starts_with("regexp_")) {
    // The pattern is a literal (the checker insists). Each call site gets a slot the stdlib fills
    // with the compiled pattern on its first call: compiled once, never per record. The calls
    // write the slot, so they are not pure.
    auto* slot = new llvm::GlobalVariable(cx_.module(), ptr, false, llvm::GlobalValue::PrivateLinkage,
                                          llvm::ConstantPointerNull::get(llvm::cast<llvm::PointerType>(ptr)),
                                          "regex.slot");
    const CgValue& s = args[0];
    const CgValue& pattern = args[1];
    if (name == "regexp_matches") {
      llvm::Value* flag = b.CreateCall(cx_.external("flow_regex_matches", cx_.i8(), {ptr, ptr, i64, ptr, i64}),
                                       {slot, pattern.a, pattern.b, s.a, s.b});
      return {b.CreateICmpNE(flag, b.getInt8(0)), nullptr, null};
    }
    if (name == "regexp_count")
      return {b.CreateCall(cx_.external("flow_regex_count", i64, {ptr, ptr, i64, ptr, i64}),
                           {slot, pattern.a, pattern.b, s.a, s.b}),
              nullptr, null};
    if (name == "regexp_extract") {
      llvm::Value* found = b.CreateCall(cx_.external("flow_regex_extract", str, {ptr, ptr, i64, ptr, i64, i64}),
                                        {slot, pattern.a, pattern.b, s.a, s.b, args[2].a});
      CgValue v = string_result(found, null);
      llvm::Value* missing = b.CreateICmpSLT(v.b, cx_.i64_const(0));  // no match: null
      v.b = b.CreateSelect(missing, cx_.i64_const(0), v.b);
      v.null = b.CreateOr(null, missing);
      return v;
    }
    if (name == "regexp_split")
      return string_result(b.CreateCall(cx_.external("flow_regex_split", str, {ptr, ptr, ptr, i64, ptr, i64}),
                                        {cx_.arena, slot, pattern.a, pattern.b, s.a, s.b}),
                           null);
    if (name == "regexp_replace")
      return string_result(b.CreateCall(cx_.external("flow_regex_replace", str, {ptr, ptr, ptr, i64, ptr, i64, ptr, i64}),
                                        {cx_.arena, slot, pattern.a, pattern.b, s.a, s.b, args[2].a, args[2].b}),
                           null);
  }
  if (name == "hour" || name == "minute" || name == "day_of_week") {
    std::string fn = "flow_time_" + name;
    return {call(fn.c_str(), i64, {i64}, {args[0].a}), nullptr, null};
  }
  // A timestamp is its milliseconds since the epoch: the conversions change the type, not the bits.
  if (name == "unix_millis" || name == "timestamp_millis") return {args[0].a, nullptr, null};
  if (name == "date_trunc") {
    // The unit is a literal (the checker insists), resolved once here rather than per record.
    int32_t unit = flow_time_unit_parse(flow_str{expr.children[0].text.data(),
                                                 static_cast<int64_t>(expr.children[0].text.size())});
    return {call("flow_time_date_trunc", i64, {cx_.i32(), i64}, {b.getInt32(unit), args[1].a}), nullptr, null};
  }
  if (name == "format_time")
    return string_result(
        call("flow_time_format_time", str, {ptr, i64, ptr, i64}, {cx_.arena, args[0].a, args[1].a, args[1].b}), null);
  bool is_float = expr.type.kind == TypeKind::Float;
  if (name == "abs")
    return {is_float ? call("flow_math_abs_float", f64, {f64}, {args[0].a}) : call("flow_math_abs_int", i64, {i64}, {args[0].a}),
            nullptr, null};
  if (name == "round") {
    if (args.size() == 1)
      return {is_float ? call("flow_math_round_float", f64, {f64}, {args[0].a}) : args[0].a, nullptr, null};
    return {is_float ? call("flow_math_round_float_digits", f64, {f64, i64}, {args[0].a, args[1].a})
                     : call("flow_math_round_int_digits", i64, {i64, i64}, {args[0].a, args[1].a}),
            nullptr, null};
  }
  if (name == "floor" || name == "ceil") {
    std::string fn = "flow_math_" + name + "_float";
    return {is_float ? call(fn.c_str(), f64, {f64}, {args[0].a}) : args[0].a, nullptr, null};
  }
  if (name == "least" || name == "greatest") {
    CgValue x = convert(args[0], expr.children[0].type, expr.type);
    CgValue y = convert(args[1], expr.children[1].type, expr.type);
    std::string fn = "flow_math_" + name + (is_float ? "_float" : "_int");
    llvm::Type* t = is_float ? f64 : i64;
    return {call(fn.c_str(), t, {t, t}, {x.a, y.a}), nullptr, null};
  }
  if (name == "hash") {
    llvm::Value* h = arg_kind(0) == TypeKind::String ? call("flow_hash_str", i64, {ptr, i64}, {args[0].a, args[0].b})
                     : arg_kind(0) == TypeKind::Float ? call("flow_hash_float", i64, {f64}, {args[0].a})
                                                      : call("flow_hash_int", i64, {i64}, {args[0].a});
    return {h, nullptr, null};
  }
  throw CodegenError("function `" + name + "` has no lowering");
}

}  // namespace flow::compiler::codegen
