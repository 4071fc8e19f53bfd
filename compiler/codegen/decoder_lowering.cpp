// The decoder fast path (see decoder_lowering.hpp): an object loop whose key dispatch (a switch
// on the key's length, then compares against the names' bytes) and per-type value parsing are
// generated for one schema; scanning steps are the flow_cg_* helpers of runtime_support.h.
#include "compiler/codegen/decoder_lowering.hpp"

#include <map>
#include <string>

namespace flow::compiler::codegen {

namespace {

using plan::TypeKind;

bool checked_kind(TypeKind kind) {
  return kind == TypeKind::Int || kind == TypeKind::Duration || kind == TypeKind::Timestamp ||
         kind == TypeKind::Float || kind == TypeKind::Bool || kind == TypeKind::String;
}

class FastDecodeLowering {
 public:
  FastDecodeLowering(LoweringContext& cx, const plan::Schema& schema, const std::vector<bool>& needed)
      : cx_(cx), b_(cx.builder()), schema_(schema), needed_(needed) {}

  llvm::Function* run(const std::string& name) {
    llvm::Type* i64 = cx_.i64();
    llvm::Type* ptr = cx_.ptr();
    auto* type = llvm::FunctionType::get(cx_.i1(), {ptr, i64, i64, ptr}, false);
    auto* fn = llvm::Function::Create(type, llvm::Function::InternalLinkage, name, cx_.module());
    fn->addFnAttr(llvm::Attribute::NoInline);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    site_.function = fn;
    site_.json = fn->getArg(0);
    site_.length = fn->getArg(1);
    site_.max_bytes = fn->getArg(2);
    site_.fields = fn->getArg(3);
    auto* entry_block = llvm::BasicBlock::Create(cx_.llvm(), "entry", fn);
    site_.decoded = llvm::BasicBlock::Create(cx_.llvm(), "decoded", fn);
    site_.fallback = llvm::BasicBlock::Create(cx_.llvm(), "give_up", fn);
    b_.SetInsertPoint(site_.decoded);
    b_.CreateRet(b_.getTrue());
    b_.SetInsertPoint(site_.fallback);
    b_.CreateRet(b_.getFalse());
    b_.SetInsertPoint(entry_block);
    // A list field is read by flow_json_decode only: a record with one needed always goes there.
    for (size_t f = 0; f < schema_.size(); ++f)
      if (f < needed_.size() && needed_[f] && schema_[f].type.kind == TypeKind::List) {
        b_.CreateBr(site_.fallback);
        return fn;
      }
    // Allocas in the entry block, so that mem2reg keeps them in registers.
    llvm::BasicBlock& entry = *entry_block;
    llvm::IRBuilder<> allocas(&entry, entry.getFirstInsertionPt());
    pos_ = allocas.CreateAlloca(i64, nullptr, "fd.pos");
    int_out_ = allocas.CreateAlloca(i64, nullptr, "fd.int");
    float_out_ = allocas.CreateAlloca(cx_.f64(), nullptr, "fd.float");
    for (size_t f = 0; f < schema_.size(); ++f)
      seen_.push_back(checked_kind(schema_[f].type.kind)
                          ? allocas.CreateAlloca(cx_.i1(), nullptr, "fd.seen." + schema_[f].name)
                          : nullptr);

    scan_string_ = cx_.external("flow_cg_scan_string", i64, {ptr, i64, i64});
    parse_int_ = cx_.external("flow_cg_parse_int", i64, {ptr, i64, i64, ptr});
    parse_float_ = cx_.external("flow_cg_parse_float", i64, {ptr, i64, i64, ptr});
    literal_ = cx_.external("flow_cg_literal", cx_.i32(), {ptr, i64, i64});
    skip_scalar_ = cx_.external("flow_cg_skip_scalar", i64, {ptr, i64, i64});
    skip_blanks_ = cx_.external("flow_cg_skip_blanks", i64, {ptr, i64, i64});
    colon_ = cx_.external("flow_cg_colon", i64, {ptr, i64, i64});

    // Not empty, not too large; every field null and unseen.
    llvm::Value* fits = b_.CreateAnd(b_.CreateICmpSGT(site_.length, cx_.i64_const(0)),
                                     b_.CreateICmpSLE(site_.length, site_.max_bytes));
    auto* start = block("fd.start");
    b_.CreateCondBr(fits, start, site_.fallback);
    b_.SetInsertPoint(start);
    for (size_t f = 0; f < schema_.size(); ++f) {
      llvm::Value* slot = b_.CreateGEP(cx_.value_type(), site_.fields, cx_.i64_const(static_cast<int64_t>(f)));
      cx_.store_value(slot, cx_.null_value(schema_[f].type), schema_[f].type);
      if (seen_[f]) b_.CreateStore(b_.getFalse(), seen_[f]);
    }
    llvm::Value* at = skip_blanks(cx_.i64_const(0));
    expect(at, '{');
    at = skip_blanks(b_.CreateAdd(at, cx_.i64_const(1)));
    b_.CreateStore(at, pos_);
    auto* members = block("fd.members");
    auto* key = block("fd.key");
    auto* close = block("fd.close");
    b_.CreateCondBr(b_.CreateICmpEQ(peek(at), b_.getInt8('}')), close, members);

    // One member: "key" : value. A key is first compared with the names starting with its first
    // byte, in place (the name's bytes, then a quote); a key that is none of them is scanned and
    // matched by its length.
    b_.SetInsertPoint(members);
    b_.CreateBr(key);
    b_.SetInsertPoint(key);
    at = b_.CreateLoad(i64, pos_);
    expect(at, '"');
    llvm::Value* key_start = b_.CreateAdd(at, cx_.i64_const(1));
    llvm::Value* key_data = b_.CreateGEP(b_.getInt8Ty(), site_.json, key_start);
    after_value_ = block("fd.after_value");
    auto* skip = block("fd.skip");
    for (size_t f = 0; f < schema_.size(); ++f) field_entry_.push_back(seen_[f] ? block("fd.key." + schema_[f].name) : nullptr);
    auto* scan = block("fd.scan_key");
    dispatch_in_place(key_start, key_data, scan);

    b_.SetInsertPoint(scan);
    llvm::Value* key_end = b_.CreateCall(scan_string_, {site_.json, site_.length, key_start});
    give_up_if(b_.CreateICmpSLT(key_end, cx_.i64_const(0)));
    b_.CreateStore(key_end, pos_);
    dispatch(key_data, b_.CreateSub(key_end, key_start), skip);

    // pos_ is at the key's closing quote: then `:` and the value.
    for (size_t f = 0; f < schema_.size(); ++f) {
      if (!field_entry_[f]) continue;
      b_.SetInsertPoint(field_entry_[f]);
      colon();
      lower_field(f);
    }
    b_.SetInsertPoint(skip);
    colon();
    {
      llvm::Value* end = b_.CreateCall(skip_scalar_, {site_.json, site_.length, b_.CreateLoad(i64, pos_)});
      give_up_if(b_.CreateICmpSLT(end, cx_.i64_const(0)));
      b_.CreateStore(end, pos_);
      b_.CreateBr(after_value_);
    }

    // After a value: `,` and the next member, or `}`.
    b_.SetInsertPoint(after_value_);
    at = skip_blanks(b_.CreateLoad(i64, pos_));
    llvm::Value* c = peek(at);
    auto* comma = block("fd.comma");
    auto* not_comma = block("fd.not_comma");
    b_.CreateCondBr(b_.CreateICmpEQ(c, b_.getInt8(',')), comma, not_comma);
    b_.SetInsertPoint(comma);
    b_.CreateStore(skip_blanks(b_.CreateAdd(at, cx_.i64_const(1))), pos_);
    b_.CreateBr(members);
    b_.SetInsertPoint(not_comma);
    b_.CreateStore(at, pos_);
    b_.CreateCondBr(b_.CreateICmpEQ(c, b_.getInt8('}')), close, site_.fallback);

    // `}`: only blanks may follow; every non-nullable field must have been seen.
    b_.SetInsertPoint(close);
    at = skip_blanks(b_.CreateAdd(b_.CreateLoad(i64, pos_), cx_.i64_const(1)));
    give_up_if(b_.CreateICmpNE(at, site_.length));
    for (size_t f = 0; f < schema_.size(); ++f)
      if (seen_[f] && !schema_[f].type.nullable) give_up_if(b_.CreateNot(b_.CreateLoad(cx_.i1(), seen_[f])));
    b_.CreateBr(site_.decoded);
    return fn;
  }

 private:
  llvm::BasicBlock* block(const std::string& name) {
    return llvm::BasicBlock::Create(cx_.llvm(), name, site_.function);
  }

  //! Continues in a new block when `condition` is false; gives up when it is true.
  void give_up_if(llvm::Value* condition) {
    auto* cont = block("fd.ok");
    b_.CreateCondBr(condition, site_.fallback, cont);
    b_.SetInsertPoint(cont);
  }

  //! The byte at `at` (i8), or 0 at or past the record's end (never read there).
  llvm::Value* peek(llvm::Value* at) {
    auto* load = block("fd.peek");
    auto* done = block("fd.peeked");
    llvm::BasicBlock* from = b_.GetInsertBlock();
    b_.CreateCondBr(b_.CreateICmpULT(at, site_.length), load, done);
    b_.SetInsertPoint(load);
    llvm::Value* byte = b_.CreateLoad(b_.getInt8Ty(), b_.CreateGEP(b_.getInt8Ty(), site_.json, at));
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    llvm::PHINode* phi = b_.CreatePHI(b_.getInt8Ty(), 2);
    phi->addIncoming(b_.getInt8(0), from);
    phi->addIncoming(byte, load);
    return phi;
  }

  void expect(llvm::Value* at, char c) { give_up_if(b_.CreateICmpNE(peek(at), b_.getInt8(c))); }

  //! `at`, or past the blanks there: the helper is called only when the byte there is 1..0x20.
  llvm::Value* skip_blanks(llvm::Value* at) {
    llvm::Value* c = peek(at);
    llvm::BasicBlock* from = b_.GetInsertBlock();
    auto* call = block("fd.blanks");
    auto* done = block("fd.no_blanks");
    b_.CreateCondBr(b_.CreateICmpULT(b_.CreateSub(c, b_.getInt8(1)), b_.getInt8(0x20)), call, done);
    b_.SetInsertPoint(call);
    llvm::Value* skipped = b_.CreateCall(skip_blanks_, {site_.json, site_.length, at});
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    llvm::PHINode* phi = b_.CreatePHI(cx_.i64(), 2);
    phi->addIncoming(at, from);
    phi->addIncoming(skipped, call);
    return phi;
  }

  //! Whether the `length` bytes at `data` are `name`'s: loads of 8, 4, 2 and 1 bytes compared with
  //! the same loads from a constant copy of the name (folded, whatever the byte order).
  llvm::Value* key_equals(llvm::Value* data, const std::string& name) {
    llvm::Constant* text = llvm::ConstantDataArray::getString(cx_.llvm(), name, false);
    auto* global = new llvm::GlobalVariable(cx_.module(), text->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                            text, "fd.key." + name);
    global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    llvm::Value* equal = b_.getTrue();
    size_t offset = 0;
    for (size_t width : {8, 4, 2, 1}) {
      while (name.size() - offset >= width) {
        llvm::Type* type = b_.getIntNTy(static_cast<unsigned>(width * 8));
        llvm::Value* actual = b_.CreateAlignedLoad(
            type, b_.CreateConstGEP1_64(b_.getInt8Ty(), data, offset), llvm::MaybeAlign(1));
        llvm::Value* expected = b_.CreateAlignedLoad(
            type, b_.CreateConstGEP1_64(b_.getInt8Ty(), global, offset), llvm::MaybeAlign(1));
        equal = b_.CreateAnd(equal, b_.CreateICmpEQ(actual, expected));
        offset += width;
      }
    }
    return equal;
  }

  //! From the key's closing quote at pos_: blanks, `:`, blanks; pos_ is then at the value. One
  //! helper call rather than inline code per field: it keeps the generated code small (compile
  //! time), at the cost of a call per member.
  void colon() {
    llvm::Value* at = b_.CreateCall(colon_, {site_.json, site_.length, b_.CreateLoad(cx_.i64(), pos_)});
    give_up_if(b_.CreateICmpSLT(at, cx_.i64_const(0)));
    b_.CreateStore(at, pos_);
  }

  //! Names that can be compared in place: not empty, printable ASCII (no quote or backslash,
  //! which field names never have), so equal bytes and a quote after them are that key.
  static bool in_place(const std::string& name) {
    if (name.empty()) return false;
    for (char c : name)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80 || c == '"' || c == '\\')
        return false;
    return true;
  }

  //! switch on the key's first byte, then name bytes and a closing quote compared in place.
  void dispatch_in_place(llvm::Value* key_start, llvm::Value* key_data, llvm::BasicBlock* otherwise) {
    std::map<unsigned char, std::vector<size_t>> by_first;
    for (size_t f = 0; f < schema_.size(); ++f)
      if (seen_[f] && in_place(schema_[f].name)) by_first[static_cast<unsigned char>(schema_[f].name[0])].push_back(f);
    llvm::Value* first = peek(key_start);
    llvm::SwitchInst* choice = b_.CreateSwitch(first, otherwise, static_cast<unsigned>(by_first.size()));
    for (const auto& [byte, candidates] : by_first) {
      auto* compare = block("fd.first." + std::to_string(byte));
      choice->addCase(b_.getInt8(byte), compare);
      b_.SetInsertPoint(compare);
      for (size_t k = 0; k < candidates.size(); ++k) {
        const size_t f = candidates[k];
        const std::string& name = schema_[f].name;
        auto* other = k + 1 < candidates.size() ? block("fd.in_place_not." + name) : otherwise;
        // The quote after the name lies within the record.
        llvm::Value* quote_at = b_.CreateAdd(key_start, cx_.i64_const(static_cast<int64_t>(name.size())));
        auto* room = block("fd.in_place." + name);
        b_.CreateCondBr(b_.CreateICmpULT(quote_at, site_.length), room, other);
        b_.SetInsertPoint(room);
        llvm::Value* quote = b_.CreateLoad(b_.getInt8Ty(), b_.CreateGEP(b_.getInt8Ty(), site_.json, quote_at));
        llvm::Value* equal = b_.CreateAnd(key_equals(key_data, name), b_.CreateICmpEQ(quote, b_.getInt8('"')));
        auto* matched = block("fd.in_place_match." + name);
        b_.CreateCondBr(equal, matched, other);
        b_.SetInsertPoint(matched);
        b_.CreateStore(quote_at, pos_);
        b_.CreateBr(field_entry_[f]);
        if (other != otherwise) b_.SetInsertPoint(other);
      }
    }
  }

  //! switch on the key's length, then one compare per name of that length.
  void dispatch(llvm::Value* key_data, llvm::Value* key_length, llvm::BasicBlock* skip) {
    // Names compared in place were compared already: a scanned key that is one of them did not
    // match in place only because it is not (its bytes or its closing quote differ).
    std::map<size_t, std::vector<size_t>> by_length;
    for (size_t f = 0; f < schema_.size(); ++f)
      if (seen_[f] && !in_place(schema_[f].name)) by_length[schema_[f].name.size()].push_back(f);
    llvm::SwitchInst* choice = b_.CreateSwitch(key_length, skip, static_cast<unsigned>(by_length.size()));
    for (const auto& [length, candidates] : by_length) {
      auto* compare = block("fd.length." + std::to_string(length));
      choice->addCase(b_.getInt64(length), compare);
      b_.SetInsertPoint(compare);
      for (size_t k = 0; k < candidates.size(); ++k) {
        const size_t f = candidates[k];
        auto* other = k + 1 < candidates.size() ? block("fd.not." + schema_[f].name) : skip;
        b_.CreateCondBr(key_equals(key_data, schema_[f].name), field_entry_[f], other);
        if (other != skip) b_.SetInsertPoint(other);
      }
    }
  }

  //! The value of field `f` at pos_, ending in a branch to after_value_ (or giving up).
  void lower_field(size_t f) {
    llvm::Type* i64 = cx_.i64();
    const plan::Type& type = schema_[f].type;
    const bool store = f < needed_.size() && needed_[f];
    // A repeated key: the decoder keeps the first and skips the rest unchecked; leave it to it.
    give_up_if(b_.CreateLoad(cx_.i1(), seen_[f]));
    b_.CreateStore(b_.getTrue(), seen_[f]);
    llvm::Value* at = b_.CreateLoad(i64, pos_);
    llvm::Value* slot = b_.CreateGEP(cx_.value_type(), site_.fields, cx_.i64_const(static_cast<int64_t>(f)));
    auto* literal = block("fd.literal." + schema_[f].name);
    auto set = [&](llvm::Value* bits, llvm::Value* len, llvm::Value* end) {
      if (store) {
        b_.CreateStore(bits, b_.CreateStructGEP(cx_.value_type(), slot, 0));
        b_.CreateStore(len, b_.CreateStructGEP(cx_.value_type(), slot, 1));
        b_.CreateStore(b_.getInt8(0), b_.CreateStructGEP(cx_.value_type(), slot, 2));
      }
      b_.CreateStore(end, pos_);
      b_.CreateBr(after_value_);
    };
    switch (type.kind) {
      case TypeKind::Int:
      case TypeKind::Duration:
      case TypeKind::Timestamp:
      case TypeKind::Float: {
        const bool is_float = type.kind == TypeKind::Float;
        llvm::Value* end = b_.CreateCall(is_float ? parse_float_ : parse_int_,
                                         {site_.json, site_.length, at, is_float ? float_out_ : int_out_});
        auto* number = block("fd.number." + schema_[f].name);
        b_.CreateCondBr(b_.CreateICmpSGE(end, cx_.i64_const(0)), number, literal);
        b_.SetInsertPoint(number);
        llvm::Value* bits = is_float ? b_.CreateBitCast(b_.CreateLoad(cx_.f64(), float_out_), i64)
                                     : b_.CreateLoad(i64, int_out_);
        set(bits, cx_.i64_const(0), end);
        break;
      }
      case TypeKind::String: {
        auto* text = block("fd.string." + schema_[f].name);
        b_.CreateCondBr(b_.CreateICmpEQ(peek(at), b_.getInt8('"')), text, literal);
        b_.SetInsertPoint(text);
        llvm::Value* begin = b_.CreateAdd(at, cx_.i64_const(1));
        llvm::Value* end = b_.CreateCall(scan_string_, {site_.json, site_.length, begin});
        give_up_if(b_.CreateICmpSLT(end, cx_.i64_const(0)));
        llvm::Value* data = b_.CreatePtrToInt(b_.CreateGEP(b_.getInt8Ty(), site_.json, begin), i64);
        set(data, b_.CreateSub(end, begin), b_.CreateAdd(end, cx_.i64_const(1)));
        break;
      }
      case TypeKind::Bool:
      default: b_.CreateBr(literal); break;
    }
    // true / false (bool only), null (nullable only); anything else gives up.
    b_.SetInsertPoint(literal);
    llvm::Value* which = b_.CreateCall(literal_, {site_.json, site_.length, at});
    llvm::SwitchInst* choice = b_.CreateSwitch(which, site_.fallback, 3);
    if (type.kind == TypeKind::Bool) {
      auto* truth = block("fd.true." + schema_[f].name);
      auto* falsity = block("fd.false." + schema_[f].name);
      choice->addCase(b_.getInt32(1), truth);
      choice->addCase(b_.getInt32(2), falsity);
      b_.SetInsertPoint(truth);
      set(cx_.i64_const(1), cx_.i64_const(0), b_.CreateAdd(at, cx_.i64_const(4)));
      b_.SetInsertPoint(falsity);
      set(cx_.i64_const(0), cx_.i64_const(0), b_.CreateAdd(at, cx_.i64_const(5)));
    }
    if (!type.nullable) return;  // `null` in a non-nullable field: the decoder's missing field
    auto* null_block = block("fd.null." + schema_[f].name);
    choice->addCase(b_.getInt32(3), null_block);
    b_.SetInsertPoint(null_block);
    b_.CreateStore(b_.CreateAdd(at, cx_.i64_const(4)), pos_);  // the slot is already null
    b_.CreateBr(after_value_);
  }

  LoweringContext& cx_;
  llvm::IRBuilder<>& b_;
  const plan::Schema& schema_;
  const std::vector<bool>& needed_;
  //! The function being lowered: its arguments and its two exits.
  struct {
    llvm::Function* function = nullptr;
    llvm::Value* json = nullptr;
    llvm::Value* length = nullptr;
    llvm::Value* max_bytes = nullptr;
    llvm::Value* fields = nullptr;
    llvm::BasicBlock* decoded = nullptr;   //!< returns true: `fields` holds the record
    llvm::BasicBlock* fallback = nullptr;  //!< returns false: flow_json_decode decodes it
  } site_;
  llvm::Value* pos_ = nullptr;
  llvm::Value* int_out_ = nullptr;
  llvm::Value* float_out_ = nullptr;
  std::vector<llvm::BasicBlock*> field_entry_;  //!< per schema field: its key matched, pos_ at the quote
  std::vector<llvm::Value*> seen_;  //!< per schema field; null for fields not checked (lists)
  llvm::BasicBlock* after_value_ = nullptr;
  llvm::FunctionCallee scan_string_, parse_int_, parse_float_, literal_, skip_scalar_, skip_blanks_, colon_;
};

}  // namespace

llvm::Function* lower_fast_decode(LoweringContext& cx, const plan::Schema& schema, const std::vector<bool>& needed,
                                  const std::string& name) {
  llvm::IRBuilderBase::InsertPoint caller = cx.builder().saveIP();
  llvm::Function* fn = FastDecodeLowering(cx, schema, needed).run(name);
  cx.builder().restoreIP(caller);
  return fn;
}

}  // namespace flow::compiler::codegen
