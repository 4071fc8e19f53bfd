#include "compiler/plan/plan_image.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "compiler/plan/operators/logical_aggregate.hpp"
#include "compiler/plan/operators/logical_explode.hpp"
#include "compiler/plan/operators/logical_filter.hpp"
#include "compiler/plan/operators/logical_join.hpp"
#include "compiler/plan/operators/logical_key_by.hpp"
#include "compiler/plan/operators/logical_process.hpp"
#include "compiler/plan/operators/logical_project.hpp"
#include "compiler/plan/operators/logical_sink.hpp"
#include "compiler/plan/operators/logical_source.hpp"
#include "compiler/plan/operators/logical_tally.hpp"
#include "compiler/plan/operators/logical_union.hpp"

namespace flow::compiler::plan {

namespace {

constexpr std::string_view kMagic = "FLOWPLAN";
//! Types, expressions and statements nest; the checker bounds how deep (operator chains, else-if
//! chains), far below this. A deeper image is damaged, and must not exhaust the stack.
constexpr int kMaxDepth = 512;

class ImageWriter {
 public:
  static constexpr bool reading = false;

  void unsigned_int(uint64_t& value) {
    uint64_t v = value;
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      out_.push_back(static_cast<char>(byte | (v ? 0x80 : 0)));
    } while (v);
  }
  void signed_int(int64_t& value) {
    uint64_t zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
    unsigned_int(zigzag);
  }
  void real(double& value) {
    char bytes[sizeof value];
    std::memcpy(bytes, &value, sizeof value);
    out_.append(bytes, sizeof value);
  }
  void text(std::string& value) {
    uint64_t length = value.size();
    unsigned_int(length);
    out_.append(value);
  }
  //! A sequence's length.
  uint64_t length(uint64_t count) {
    unsigned_int(count);
    return count;
  }
  bool enter() { return true; }
  void leave() {}
  void fail(const std::string&) {}
  bool failed() const { return false; }

  std::string& out() { return out_; }

 private:
  std::string out_;
};

class ImageReader {
 public:
  static constexpr bool reading = true;

  explicit ImageReader(std::string_view in) : in_(in) {}

  void unsigned_int(uint64_t& value) {
    value = 0;
    for (int shift = 0; !failed_; shift += 7) {
      if (pos_ >= in_.size()) return fail("the image ends inside a number");
      uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && byte > 1) return fail("a number is longer than 64 bits");
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        // One encoding per number (the writer's shortest), so an image reads back only as written.
        if (byte == 0 && shift > 0) fail("a number is encoded longer than it needs");
        return;
      }
      if (shift == 63) return fail("a number is longer than 64 bits");
    }
  }
  void signed_int(int64_t& value) {
    uint64_t zigzag = 0;
    unsigned_int(zigzag);
    value = static_cast<int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
  }
  void real(double& value) {
    value = 0;
    if (failed_) return;
    if (in_.size() - pos_ < sizeof value) return fail("the image ends inside a number");
    std::memcpy(&value, in_.data() + pos_, sizeof value);
    pos_ += sizeof value;
  }
  void text(std::string& value) {
    uint64_t size = 0;
    unsigned_int(size);
    if (failed_) return;
    if (size > in_.size() - pos_) return fail(fmt::format("a string of {} bytes runs past the end", size));
    value.assign(in_.data() + pos_, size);
    pos_ += size;
  }
  //! A sequence's length, checked against what is left: every element takes at least one byte.
  uint64_t length(uint64_t) {
    uint64_t count = 0;
    unsigned_int(count);
    if (failed_) return 0;
    if (count > in_.size() - pos_) {
      fail(fmt::format("a sequence of {} elements runs past the end", count));
      return 0;
    }
    return count;
  }
  bool enter() {
    if (++depth_ > kMaxDepth) fail(fmt::format("it nests more than {} levels deep", kMaxDepth));
    return !failed_;
  }
  void leave() { --depth_; }
  void fail(const std::string& why) {
    if (failed_) return;
    failed_ = true;
    error_ = fmt::format("{} (at byte {})", why, pos_);
  }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  std::string error_;
};

// One `io` per type: the writer reads the members, the reader fills them, in the same order.

template <class A>
void io(A& a, int64_t& value) {
  a.signed_int(value);
}

template <class A, class Int>
  requires(std::is_integral_v<Int> && !std::is_same_v<Int, int64_t> && !std::is_same_v<Int, bool>)
void io(A& a, Int& value) {
  int64_t wide = value;
  a.signed_int(wide);
  if constexpr (A::reading) {
    if (wide < std::numeric_limits<Int>::min() || wide > std::numeric_limits<Int>::max())
      a.fail(fmt::format("{} is out of range", wide));
    value = static_cast<Int>(wide);
  }
}

template <class A>
void io(A& a, bool& value) {
  uint64_t bit = value;
  a.unsigned_int(bit);
  if constexpr (A::reading) {
    if (bit > 1) a.fail(fmt::format("{} is not a boolean", bit));
    value = bit == 1;
  }
}

template <class A>
void io(A& a, double& value) {
  a.real(value);
}

template <class A>
void io(A& a, std::string& value) {
  a.text(value);
}

//! An enum whose last enumerator is `last`: a value past it is damage.
template <class A, class Enum>
void io_enum(A& a, Enum& value, Enum last) {
  uint64_t raw = static_cast<uint64_t>(value);
  a.unsigned_int(raw);
  if constexpr (A::reading) {
    if (raw > static_cast<uint64_t>(last)) a.fail(fmt::format("{} is not a known kind", raw));
    value = a.failed() ? Enum{} : static_cast<Enum>(raw);
  }
}

template <class A, class T>
void io(A& a, std::vector<T>& values) {
  uint64_t count = a.length(values.size());
  if constexpr (A::reading) values.resize(count);
  for (auto& value : values) {
    if (a.failed()) return;
    io(a, value);
  }
}

template <class A, class T>
void io(A& a, std::optional<T>& value) {
  bool present = value.has_value();
  io(a, present);
  if constexpr (A::reading)
    if (present && !a.failed()) value.emplace();
  if (value) io(a, *value);
}

template <class A>
void io(A& a, Span& span) {
  io(a, span.begin);
  io(a, span.end);
}

template <class A>
void io(A& a, Field& field);

template <class A>
void io(A& a, Type& type) {
  if (!a.enter()) return;
  io_enum(a, type.kind, TypeKind::Record);
  io(a, type.nullable);
  io(a, type.set);
  io(a, type.element);
  io(a, type.max_length);
  io(a, type.fields);
  a.leave();
}

template <class A>
void io(A& a, Field& field) {
  io(a, field.name);
  io(a, field.type);
}

//! An expression has the operands its kind takes (what every reader of a plan indexes by): the
//! image holds what the binder made, and a damaged one must not make a reader index past them.
bool well_formed(const BoundExpr& expr) {
  size_t n = expr.children.size();
  switch (expr.kind) {
    case BoundKind::Literal:
    case BoundKind::InputField:
    case BoundKind::StateField:
    case BoundKind::Key:
    case BoundKind::Local: return n == 0;
    case BoundKind::Call: return true;
    case BoundKind::Unary:
    case BoundKind::Member: return n == 1;
    case BoundKind::Binary:
    case BoundKind::Index: return n == 2;
    case BoundKind::If: return n == 3;
    case BoundKind::Record: return n == expr.type.fields.size();
  }
  return false;
}

template <class A>
void io(A& a, BoundExpr& expr) {
  if (!a.enter()) return;
  io_enum(a, expr.kind, BoundKind::Index);
  io(a, expr.type);
  io(a, expr.span);
  io(a, expr.name);
  io(a, expr.index);
  io(a, expr.int_value);
  io(a, expr.float_value);
  io(a, expr.text);
  io(a, expr.children);
  if constexpr (A::reading)
    if (!a.failed() && !well_formed(expr)) a.fail("an expression has the wrong number of operands");
  a.leave();
}

template <class A>
void io(A& a, WindowSpec& window) {
  io_enum(a, window.kind, WindowKind::Session);
  io(a, window.size_ms);
  io(a, window.slide_ms);
  io(a, window.gap_ms);
  io(a, window.processing_time);
  io(a, window.span);
}

template <class A>
void io(A& a, AggregateCall& call) {
  io(a, call.function);
  io(a, call.argument);
  io(a, call.by);
  io(a, call.max_distinct);
  io(a, call.output_name);
  io(a, call.type);
  io(a, call.span);
}

template <class A>
void io(A& a, OrderKey& key) {
  io(a, key.value);
  io(a, key.descending);
  io(a, key.span);
}

template <class A>
void io(A& a, TopSpec& top) {
  io(a, top.limit);
  io(a, top.order);
  io(a, top.span);
}

template <class A>
void io(A& a, UnionInput& input) {
  io(a, input.source);
  io(a, input.topic);
  io(a, input.schema);
  io(a, input.key);
  io(a, input.span);
}

template <class A>
void io(A& a, StateFieldPlan& field) {
  io(a, field.name);
  io(a, field.type);
  io(a, field.initial);
  io(a, field.span);
}

template <class A>
void io(A& a, BoundStmt& stmt) {
  if (!a.enter()) return;
  io_enum(a, stmt.kind, BoundStmtKind::SetRemove);
  io(a, stmt.span);
  io(a, stmt.slot);
  io(a, stmt.name);
  io(a, stmt.value);
  io(a, stmt.body);
  io(a, stmt.else_body);
  a.leave();
}

template <class A>
void io(A& a, HandlerPlan& handler) {
  io(a, handler.event);
  io(a, handler.body);
  io(a, handler.locals);
  io(a, handler.span);
}

//! A count or index, stored as an int64_t.
template <class A>
void io_size(A& a, size_t& value) {
  int64_t wide = static_cast<int64_t>(value);
  io(a, wide);
  if constexpr (A::reading) value = wide < 0 ? 0 : static_cast<size_t>(wide);
}

std::unique_ptr<LogicalOperator> make_operator(OperatorKind kind) {
  switch (kind) {
    case OperatorKind::Source: return std::make_unique<LogicalSource>();
    case OperatorKind::Union: return std::make_unique<LogicalUnion>();
    case OperatorKind::Filter: return std::make_unique<LogicalFilter>();
    case OperatorKind::Project: return std::make_unique<LogicalProject>();
    case OperatorKind::Tally: return std::make_unique<LogicalTally>();
    case OperatorKind::Explode: return std::make_unique<LogicalExplode>();
    case OperatorKind::KeyBy: return std::make_unique<LogicalKeyBy>();
    case OperatorKind::Aggregate: return std::make_unique<LogicalAggregate>();
    case OperatorKind::Process: return std::make_unique<LogicalProcess>();
    case OperatorKind::Sink: return std::make_unique<LogicalSink>();
    case OperatorKind::Join: return std::make_unique<LogicalJoin>();
  }
  return nullptr;
}

//! The members of operator `op` of its kind (`Op` is its class).
template <class Op, class A>
void io_members(A& a, LogicalOperator& op) {
  auto& o = static_cast<Op&>(op);
  if constexpr (std::is_same_v<Op, LogicalSource>) {
    io(a, o.source);
    io(a, o.topic);
  } else if constexpr (std::is_same_v<Op, LogicalUnion>) {
    io(a, o.inputs);
    io(a, o.key_type);
  } else if constexpr (std::is_same_v<Op, LogicalFilter>) {
    io(a, o.condition);
  } else if constexpr (std::is_same_v<Op, LogicalProject>) {
    io(a, o.values);
  } else if constexpr (std::is_same_v<Op, LogicalTally>) {
    io(a, o.metric);
    io(a, o.condition);
  } else if constexpr (std::is_same_v<Op, LogicalExplode>) {
    io(a, o.list);
  } else if constexpr (std::is_same_v<Op, LogicalKeyBy>) {
    io(a, o.key);
  } else if constexpr (std::is_same_v<Op, LogicalAggregate>) {
    io(a, o.keys);
    io(a, o.window);
    io(a, o.aggregates);
    io_enum(a, o.emit, EmitMode::Changes);
    io(a, o.timeout_ms);
    io(a, o.processing_time);
    io(a, o.emit_written);
    io(a, o.emit_span);
    io(a, o.top);
  } else if constexpr (std::is_same_v<Op, LogicalProcess>) {
    io(a, o.key_type);
    io(a, o.state);
    io(a, o.timeout_ms);
    io(a, o.processing_time);
    io(a, o.handlers);
    io(a, o.clears_state);
    io(a, o.emits);
  } else if constexpr (std::is_same_v<Op, LogicalJoin>) {
    io(a, o.other);
    io(a, o.topic);
    io(a, o.key);
    io(a, o.left);
    io(a, o.other_schema);
    io_size(a, o.other_key_index);
    io_size(a, o.stream_fields);
    io(a, o.history_ms);
    io(a, o.ttl_ms);
    io(a, o.max_rows);
    io(a, o.full);
    io(a, o.windowed);
    io(a, o.other_key);
    io(a, o.before_ms);
    io(a, o.after_ms);
    bool has_key_field = o.stream_key_field.has_value();
    size_t key_field = o.stream_key_field.value_or(0);
    io(a, has_key_field);
    io_size(a, key_field);
    if constexpr (A::reading) o.stream_key_field = has_key_field ? std::optional<size_t>(key_field) : std::nullopt;
  } else {
    static_assert(std::is_same_v<Op, LogicalSink>);
    io(a, o.sink);
    io(a, o.target);
    io(a, o.topic);
    io(a, o.keyed);
  }
}

template <class A>
void io(A& a, std::unique_ptr<LogicalOperator>& op) {
  OperatorKind kind = op ? op->kind : OperatorKind::Source;
  io_enum(a, kind, OperatorKind::Join);
  if (a.failed()) return;
  if constexpr (A::reading) op = make_operator(kind);
  io(a, op->span);
  io(a, op->output);
  switch (kind) {
    case OperatorKind::Source: return io_members<LogicalSource>(a, *op);
    case OperatorKind::Union: return io_members<LogicalUnion>(a, *op);
    case OperatorKind::Filter: return io_members<LogicalFilter>(a, *op);
    case OperatorKind::Project: return io_members<LogicalProject>(a, *op);
    case OperatorKind::Tally: return io_members<LogicalTally>(a, *op);
    case OperatorKind::Explode: return io_members<LogicalExplode>(a, *op);
    case OperatorKind::KeyBy: return io_members<LogicalKeyBy>(a, *op);
    case OperatorKind::Aggregate: return io_members<LogicalAggregate>(a, *op);
    case OperatorKind::Process: return io_members<LogicalProcess>(a, *op);
    case OperatorKind::Sink: return io_members<LogicalSink>(a, *op);
    case OperatorKind::Join: return io_members<LogicalJoin>(a, *op);
  }
}

template <class A>
void io(A& a, SourcePlan& source) {
  io(a, source.name);
  io(a, source.topic);
  io(a, source.format);
  io(a, source.schema);
  io(a, source.partitions);
  io(a, source.max_records_per_trigger);
  io(a, source.max_record_bytes);
  io(a, source.event_time);
  io(a, source.watermark_ms);
  io(a, source.max_event_time_ahead_ms);
  io(a, source.dead_letter);
  io(a, source.late);
  io(a, source.table);
  io(a, source.table_key);
  io(a, source.max_rows);
  io(a, source.ttl_ms);
  io(a, source.history_ms);
  io(a, source.span);
}

template <class A>
void io(A& a, SinkPlan& sink) {
  io(a, sink.name);
  io(a, sink.kind);
  io(a, sink.topic);
  io(a, sink.span);
}

template <class A>
void io(A& a, MetricPlan& metric) {
  io(a, metric.name);
  io(a, metric.span);
}

template <class A>
void io(A& a, QueryPlan& query) {
  io(a, query.name);
  io(a, query.span);
  io(a, query.sources);
  io(a, query.operators);
}

template <class A>
void io(A& a, Plan& plan) {
  io(a, plan.sources);
  io(a, plan.sinks);
  io(a, plan.metrics);
  io(a, plan.queries);
}

// A member added to a plan structure must be added to its `io` above (and kPlanImageVersion
// bumped), or built applications would lose it silently. These sizes (g++ on x86-64, where flow
// is built) catch most additions at compile time (one that fits in padding slips through; the
// round trip of every example's plan in tests/unit/plan_image_test.cpp catches what they use).
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(Type) == 64, "Type changed: update its io and kPlanImageVersion");
static_assert(sizeof(BoundExpr) == 192, "BoundExpr changed: update its io and kPlanImageVersion");
static_assert(sizeof(BoundStmt) == 288, "BoundStmt changed: update its io and kPlanImageVersion");
static_assert(sizeof(HandlerPlan) == 72, "HandlerPlan changed: update its io and kPlanImageVersion");
static_assert(sizeof(StateFieldPlan) == 304, "StateFieldPlan changed: update its io and kPlanImageVersion");
static_assert(sizeof(AggregateCall) == 544, "AggregateCall changed: update its io and kPlanImageVersion");
static_assert(sizeof(WindowSpec) == 48, "WindowSpec changed: update its io and kPlanImageVersion");
static_assert(sizeof(UnionInput) == 288, "UnionInput changed: update its io and kPlanImageVersion");
static_assert(sizeof(OrderKey) == 208, "OrderKey changed: update its io and kPlanImageVersion");
static_assert(sizeof(TopSpec) == 40, "TopSpec changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalAggregate) == 240, "LogicalAggregate changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalProcess) == 192, "LogicalProcess changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalSink) == 152, "LogicalSink changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalTally) == 280, "LogicalTally changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalUnion) == 136, "LogicalUnion changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalSource) == 112, "LogicalSource changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalFilter) == 240, "LogicalFilter changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalExplode) == 240, "LogicalExplode changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalKeyBy) == 240, "LogicalKeyBy changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalJoin) == 624, "LogicalJoin changed: update its io and kPlanImageVersion");
static_assert(sizeof(LogicalProject) == 72, "LogicalProject changed: update its io and kPlanImageVersion");
static_assert(sizeof(SourcePlan) == 408, "SourcePlan changed: update its io and kPlanImageVersion");
static_assert(sizeof(SinkPlan) == 104, "SinkPlan changed: update its io and kPlanImageVersion");
static_assert(sizeof(MetricPlan) == 40, "MetricPlan changed: update its io and kPlanImageVersion");
static_assert(sizeof(QueryPlan) == 88, "QueryPlan changed: update its io and kPlanImageVersion");
static_assert(sizeof(Plan) == 96, "Plan changed: update its io and kPlanImageVersion");
static_assert(sizeof(Field) == 96, "Field changed: update its io and kPlanImageVersion");
static_assert(sizeof(Span) == 8, "Span changed: update its io and kPlanImageVersion");
#endif

}  // namespace

std::string write_plan_image(const Plan& plan) {
  ImageWriter writer;
  std::string& out = writer.out();
  out.append(kMagic);
  uint32_t version = kPlanImageVersion;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((version >> (8 * i)) & 0xff));
  // The writer only reads the plan; `io` takes references so one function serves both directions.
  io(writer, const_cast<Plan&>(plan));
  return std::move(out);
}

std::optional<Plan> read_plan_image(std::string_view image, std::string& error) {
  if (!image.starts_with(kMagic) || image.size() < kMagic.size() + 4) {
    error = "it is not a flow plan image";
    return std::nullopt;
  }
  uint32_t version = 0;
  for (int i = 0; i < 4; ++i) version |= static_cast<uint32_t>(static_cast<uint8_t>(image[kMagic.size() + i])) << (8 * i);
  if (version != kPlanImageVersion) {
    error = fmt::format("its plan image has format {}, this build reads format {}", version, kPlanImageVersion);
    return std::nullopt;
  }
  ImageReader reader(image.substr(kMagic.size() + 4));
  Plan plan;
  io(reader, plan);
  if (!reader.failed() && !reader.at_end()) reader.fail("bytes follow the plan");
  if (reader.failed()) {
    error = "its plan image is damaged: " + reader.error();
    return std::nullopt;
  }
  return plan;
}

}  // namespace flow::compiler::plan
