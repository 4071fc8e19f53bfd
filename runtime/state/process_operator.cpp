// `process` over the store: load a key's state, run its handler, write it back (process_operator.hpp).
#include "runtime/state/process_operator.hpp"

#include "runtime/codec/json_codec.hpp"
#include "runtime/codec/message_key.hpp"

#include <exception>
#include <limits>

using flow::runtime::eval::Value;
using flow::compiler::plan::Type;

//! What a compiled handler's callbacks need (flow_abi.h declares it opaque): where its emits and
//! tallies go. The callbacks catch everything, as no exception may cross generated code.
struct flow_handler_call {
  const flow::compiler::plan::Schema* output = nullptr;
  const Type* key_type = nullptr;
  const flow_value* key = nullptr;
  int32_t query = 0;
  int64_t event_time_ms = 0;
  std::vector<flow::runtime::StateOutput>* out = nullptr;
  std::vector<int32_t>* tallies = nullptr;
  //! The sink's encoder when the emitted records go straight to it, and an arena to encode in.
  const flow_encoder* encoder = nullptr;
  flow_arena* json_arena = nullptr;
  std::exception_ptr failure;
};

namespace {


//! Writes the emitted record for the sink now, without building eval::Values; false when it does
//! not fit the arena (the caller then takes the general path).
bool emit_encoded(flow_handler_call* call, const flow_value* fields) {
  flow_arena_reset(call->json_arena);
  flow_str json = flow_json_encode(call->encoder, fields, call->json_arena);
  if (call->json_arena->out_of_space) return false;
  flow::runtime::StateOutput output;
  output.query = call->query;
  output.event_time_ms = call->event_time_ms;
  output.encoded = true;
  output.json.assign(json.data, static_cast<size_t>(json.len));
  output.message_key = flow::runtime::message_key(*call->key, *call->key_type);
  call->out->push_back(std::move(output));
  return true;
}

}  // namespace

extern "C" void flow_rt_handler_emit(flow_handler_call* call, const flow_value* fields, int64_t count) {
  try {
    if (call->encoder && count >= static_cast<int64_t>(call->output->size()) && emit_encoded(call, fields)) return;
    std::vector<Value> record;
    record.reserve(call->output->size());
    for (size_t i = 0; i < call->output->size() && static_cast<int64_t>(i) < count; ++i)
      record.push_back(Value::from_abi(fields[i], (*call->output)[i].type));
    call->out->push_back(flow::runtime::StateOutput::of(call->query, Value::from_abi(*call->key, *call->key_type),
                                                        std::move(record), call->event_time_ms));
  } catch (...) {
    if (!call->failure) call->failure = std::current_exception();
  }
}

extern "C" void flow_rt_handler_tally(flow_handler_call* call, int32_t metric) {
  try {
    call->tallies->push_back(metric);
  } catch (...) {
    if (!call->failure) call->failure = std::current_exception();
  }
}

namespace flow::runtime {

namespace {

// 1: last event, deadline, fields (the index entry at the deadline); 2: the index entry's time too.
constexpr char kEntryVersion = 2;
constexpr int64_t kFirstArenaBytes = 64 * 1024;
constexpr int64_t kLargestArenaBytes = int64_t{1} << 30;

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

//! `value` of `type` as a flow_value whose strings point into `value`; list elements are put in
//! `lists`, which must live as long as the result.
flow_value abi_of(const Value& value, const Type& type, std::vector<std::unique_ptr<flow_value[]>>& lists) {
  if (value.kind != eval::ValueKind::List) return value.to_abi();
  auto elements = std::make_unique<flow_value[]>(value.items.size());
  for (size_t i = 0; i < value.items.size(); ++i) elements[i] = abi_of(value.items[i], type.element.front(), lists);
  flow_value out{reinterpret_cast<int64_t>(elements.get()), static_cast<int64_t>(value.items.size()), 0};
  lists.push_back(std::move(elements));
  return out;
}

}  // namespace

ProcessOperator::ProcessOperator(const compiler::physical::PhysicalPlan& plan, int32_t query, StateStore& store,
                                 ProcessingClock clock, std::vector<flow_handler_fn> compiled,
                                 const flow_encoder* sink_encoder, const StageSpec& stage)
    : plan_(plan),
      operator_index_(stage.operator_index),
      process_(plan.queries.at(query).operators.at(stage.operator_index).as<compiler::physical::Process>()),
      query_(query),
      store_(store),
      keyspace_(stage.keyspace),
      expiry_(store, keyspace_),
      clock_(std::move(clock)),
      compiled_(std::move(compiled)),
      sink_encoder_(sink_encoder),
      initial_values_(eval::ProcessState::initial(process_)),
      arena_buffer_(kFirstArenaBytes),
      live_(store, keyspace_.meta("live"), 0),
      watermark_(store, keyspace_.meta("watermark"), std::numeric_limits<int64_t>::min()),
      shape_(store, keyspace_.meta("shape")) {
  compiled_.resize(process_.handlers.size());
  for (size_t h = 0; h < process_.handlers.size(); ++h)
    if (process_.handlers[h].event == "timeout") timeout_handler_ = static_cast<int>(h);
  // Which handler a source's records run, decided once: `on SOURCE`, else `on event`.
  for (const std::string& source : plan.queries.at(query).source_names) {
    int chosen = -1;
    for (size_t h = 0; h < process_.handlers.size(); ++h) {
      if (process_.handlers[h].event == source) chosen = static_cast<int>(h);
      if (process_.handlers[h].event == "event" && chosen < 0) chosen = static_cast<int>(h);
    }
    handler_by_input_.push_back(chosen);
  }
  for (size_t f = 0; f < process_.state.size(); ++f)
    initial_.push_back(abi_of(initial_values_.fields[f], process_.state[f].type, initial_lists_));
  flow_arena_init(&arena_, arena_buffer_.data(), static_cast<int64_t>(arena_buffer_.size()));
  flow_arena_init(&json_arena_, json_buffer_.data(), static_cast<int64_t>(json_buffer_.size()));
}

size_t ProcessOperator::compiled_handlers() const {
  size_t count = 0;
  for (flow_handler_fn fn : compiled_) count += fn != nullptr;
  return count;
}

void ProcessOperator::reset_arena() {
  retired_buffers_.clear();
  flow_arena_reset(&arena_);
}

void ProcessOperator::grow_arena() {
  // The old buffer stays alive: the state being processed may point into it.
  if (static_cast<int64_t>(arena_buffer_.size()) >= kLargestArenaBytes)
    throw std::runtime_error("state: a `process` handler needs more than 1 GiB of scratch memory for one record");
  std::vector<char> bigger(arena_buffer_.size() * 2);
  retired_buffers_.push_back(std::move(arena_buffer_));
  arena_buffer_ = std::move(bigger);
  flow_arena_init(&arena_, arena_buffer_.data(), static_cast<int64_t>(arena_buffer_.size()));
}

namespace {

//! Whether `type` is a set or holds sets: a set and a list of one element type are written alike.
bool holds_set(const compiler::plan::Type& type) {
  return type.set || (type.kind == compiler::plan::TypeKind::List && holds_set(type.element.front()));
}

//! Which state fields hold sets. Nothing else: a changed bound changes no byte, and a field of
//! another kind is refused by its tags or by the field count when read.
std::string state_shape(const compiler::physical::Process& process) {
  std::string text = "sets:";
  for (size_t f = 0; f < process.state.size(); ++f)
    if (holds_set(process.state[f].type)) text += std::to_string(f) + ",";
  return text;
}

}  // namespace

void ProcessOperator::check_shape() {
  shape_.check(state_shape(process_),
               "state: the `process` of query `" + plan_.queries[query_].name +
                   "` declared its lists and sets otherwise when its state was written (a `set` field was a "
                   "`list`, or the other way round: a list may hold a value twice): start it with a new "
                   "--state-dir (or --app-id), or restore the former declaration");
}

bool ProcessOperator::load(const std::string& id, Entry& entry) {
  if (!store_.get_into(keyspace_.state_into(loaded_key_, id), loaded_, loaded_ref_)) return false;
  for (;;) {
    ValueReader reader(loaded_);
    uint64_t version = reader.varint();
    if (version != 1 && version != kEntryVersion)
      throw StateCorruption("state: unknown version of a `process` key's state");
    entry.last_event_ms = reader.signed_varint();
    entry.deadline_ms = reader.signed_varint();
    entry.indexed_ms = version == 1 ? entry.deadline_ms : reader.signed_varint();
    uint64_t count = reader.varint();
    if (count != process_.state.size())
      throw StateCorruption("state: a key of query `" + plan_.queries[query_].name + "` has " + std::to_string(count) +
                            " state fields, the query declares " + std::to_string(process_.state.size()) +
                            ": the state was written by another version of the query; start it with a new "
                            "--state-dir (or --app-id), or restore the query's former state declaration");
    if (!shape_.checked()) check_shape();
    entry.fields.clear();
    for (const auto& field : process_.state) entry.fields.push_back(reader.abi_value(field.type, &arena_));
    if (!arena_.out_of_space) return true;
    grow_arena();  // a long list: read it again into a bigger arena
  }
}

void ProcessOperator::save(const std::string& id, const Entry& entry, bool existed) {
  if (!shape_.checked()) check_shape();  // also a store whose keys were each seen once has its shape
  std::string& bytes = saved_;  // not loaded_: the entry's fields may point into it
  bytes.clear();
  append_varint(bytes, kEntryVersion);
  append_signed(bytes, entry.last_event_ms);
  append_signed(bytes, entry.deadline_ms);
  append_signed(bytes, entry.indexed_ms);
  append_varint(bytes, entry.fields.size());
  for (size_t f = 0; f < entry.fields.size(); ++f) append_abi_value(bytes, entry.fields[f], process_.state[f].type);
  // The key's current value was read just before (load, into loaded_): its size is known, and
  // its entry where load() left it (unless the key is another one's).
  std::string_view key = keyspace_.state_into(saved_key_, id);
  store_.put_read(key == loaded_key_ ? loaded_ref_ : StateStore::EntryRef{}, key, bytes,
                  existed ? std::optional(loaded_.size()) : std::nullopt);
}

void ProcessOperator::drop(const std::string& id, int64_t indexed_ms) {
  store_.erase(keyspace_.state(id));
  if (process_.timeout_ms) expiry_.remove(indexed_ms, id);
  live_.set(live_.get() - 1);
}

size_t ProcessOperator::input_of(const std::string& source) const {
  const auto& sources = plan_.queries.at(query_).source_names;
  for (size_t i = 0; i < sources.size(); ++i)
    if (sources[i] == source) return i;
  return SIZE_MAX;
}

int ProcessOperator::handler_for(size_t input) const {
  if (input < handler_by_input_.size()) return handler_by_input_[input];
  for (size_t h = 0; h < process_.handlers.size(); ++h)  // a source the plan does not name
    if (process_.handlers[h].event == "event") return static_cast<int>(h);
  return -1;
}

bool ProcessOperator::run(size_t index, std::vector<flow_value>& fields, const flow_value& key,
                          const HandlerInput& input, int64_t event_time_ms, std::vector<StateOutput>& out,
                          StateTallies& tallies) {
  if (compiled_[index]) return run_compiled(index, fields, key, input, event_time_ms, out, tallies);
  return run_evaluated(index, fields, key, input, event_time_ms, out, tallies);
}

bool ProcessOperator::run_compiled(size_t index, std::vector<flow_value>& fields, const flow_value& key,
                                   const HandlerInput& input, int64_t event_time_ms, std::vector<StateOutput>& out,
                                   StateTallies& tallies) {
  saved_fields_.assign(fields.begin(), fields.end());
  size_t emitted = out.size();
  for (;;) {
    handler_tallies_.clear();
    flow_handler_call call{&process_.output, &process_.key_type, &key,       query_,       event_time_ms,
                           &out,             &handler_tallies_,  sink_encoder_, &json_arena_, nullptr};
    int32_t cleared = compiled_[index](&call, fields.data(), &key, input.fields, &arena_);
    if (call.failure) std::rethrow_exception(call.failure);
    if (!arena_.out_of_space) {
      for (int32_t metric : handler_tallies_) tallies.add(static_cast<size_t>(metric));
      return cleared != 0;
    }
    // Out of scratch memory: undo the run (it has no other effect) and run it again with more.
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(emitted), out.end());
    fields.assign(saved_fields_.begin(), saved_fields_.end());
    grow_arena();
  }
}

bool ProcessOperator::run_evaluated(size_t index, std::vector<flow_value>& fields, const flow_value& key,
                                    const HandlerInput& input, int64_t event_time_ms, std::vector<StateOutput>& out,
                                    StateTallies& tallies) {
  eval::ProcessState state;
  for (size_t f = 0; f < fields.size(); ++f) state.fields.push_back(Value::from_abi(fields[f], process_.state[f].type));
  Value key_value = Value::from_abi(key, process_.key_type);
  std::vector<Value> record;
  if (input.fields)
    for (size_t f = 0; f < input.schema->size(); ++f)
      record.push_back(Value::from_abi(input.fields[f], (*input.schema)[f].type));
  eval::HandlerResult result = eval::run_handler(process_, process_.handlers[index], state,
                                                                     key_value, input.fields ? &record : nullptr);
  for (auto& emitted : result.emitted) out.push_back(StateOutput::of(query_, key_value, std::move(emitted), event_time_ms));
  // The evaluator counts by name (the reference tier, not the hot path).
  for (const auto& [metric, count] : result.tallies)
    for (size_t m = 0; m < plan_.metrics.size(); ++m)
      if (plan_.metrics[m].name == metric) tallies.add(m, count);
  // The fields now point into the evaluator's values, kept until the next handler runs.
  evaluated_ = std::move(state);
  evaluated_lists_.clear();
  for (size_t f = 0; f < fields.size(); ++f)
    fields[f] = abi_of(evaluated_.fields[f], process_.state[f].type, evaluated_lists_);
  return result.cleared;
}

void ProcessOperator::on_record(const std::string& source, const Value& key, const std::vector<Value>& fields,
                                int64_t event_time_ms, std::vector<StateOutput>& out, StateTallies& tallies) {
  const compiler::plan::Schema* schema = plan_.queries.at(query_).operator_input_schema(operator_index_, source);
  if (!schema) throw std::logic_error("state: query `" + plan_.queries.at(query_).name + "` does not read `" + source + "`");
  std::vector<flow_value> values;
  for (const Value& field : fields) values.push_back(field.to_abi());
  on_abi_record(input_of(source), key.to_abi(), values.data(), *schema, event_time_ms, out, tallies);
}

void ProcessOperator::on_abi_record(size_t input, const flow_value& key, const flow_value* fields,
                                    const compiler::plan::Schema& schema, int64_t event_time_ms,
                                    std::vector<StateOutput>& out, StateTallies& tallies) {
  int handler = handler_for(input);
  if (handler < 0) return;  // no handler reads this source's records

  reset_arena();
  std::string& id = id_;  // reused: no allocation per record once it is large enough
  id.clear();
  append_abi_key(id, key, process_.key_type);
  Entry& entry = entry_;
  bool existed = load(id, entry);
  if (existed && process_.timeout_ms && !process_.processing_time && event_time_ms >= entry.deadline_ms) {
    // In event time the key timed out before this record came: end that state first, so results
    // do not depend on when the watermark happened to move (batch sizes, partition counts).
    // `on timeout` sees the key as stored (canonical), as when the watermark times it out.
    time_out(id, ValueReader(id).abi_value(process_.key_type, &arena_), entry, out, tallies);
    existed = false;
  }
  if (!existed) {
    entry.last_event_ms = event_time_ms;
    entry.deadline_ms = entry.indexed_ms = 0;
    entry.fields.assign(initial_.begin(), initial_.end());
  }
  int64_t old_indexed = entry.indexed_ms;
  if (run(static_cast<size_t>(handler), entry.fields, key, {fields, &schema}, event_time_ms, out, tallies)) {
    if (existed) drop(id, old_indexed);
    return;
  }

  entry.last_event_ms = std::max(entry.last_event_ms, event_time_ms);
  if (process_.timeout_ms) {
    int64_t since = process_.processing_time ? clock_() : entry.last_event_ms;
    entry.deadline_ms = saturating_add(since, *process_.timeout_ms);
    // A later deadline may leave the index entry where it is, at or before it: expire() moves it
    // when it comes due. That saves two index writes per record for a key whose entry is far
    // from due (a long timeout, a busy key); an entry due soon is moved now, as it would
    // otherwise cost a move plus a state write when it came due.
    int64_t now = process_.processing_time ? clock_() : watermark_.get();
    bool due_soon = !existed || old_indexed <= saturating_add(now, *process_.timeout_ms / 2);
    if (!existed || entry.deadline_ms < old_indexed || (due_soon && entry.deadline_ms != old_indexed)) {
      if (existed) expiry_.remove(old_indexed, id);
      expiry_.add(entry.deadline_ms, id);
      entry.indexed_ms = entry.deadline_ms;
    }
  }
  if (!existed) live_.set(live_.get() + 1);
  save(id, entry, existed);
}

void ProcessOperator::expire(int64_t up_to, std::vector<StateOutput>& out, StateTallies& tallies) {
  for (const ExpiryIndex::Entry& due : due_now(expiry_, up_to)) {
    reset_arena();
    Entry& entry = entry_;
    if (!load(due.id, entry) || entry.indexed_ms != due.deadline) {  // cannot happen; heal rather than fire
      expiry_.remove(due.deadline, due.id);
      continue;
    }
    if (entry.deadline_ms > up_to) {  // records came since the entry was written: not due yet
      expiry_.remove(due.deadline, due.id);
      expiry_.add(entry.deadline_ms, due.id);
      entry.indexed_ms = entry.deadline_ms;
      save(due.id, entry, true);
      continue;
    }
    flow_value key = ValueReader(due.id).abi_value(process_.key_type, &arena_);
    time_out(due.id, key, entry, out, tallies);
  }
}

void ProcessOperator::time_out(const std::string& id, const flow_value& key, Entry& entry,
                               std::vector<StateOutput>& out, StateTallies& tallies) {
  if (timeout_handler_ >= 0) {
    // An event-time timeout happens at its deadline; a processing-time one is stamped with the
    // key's latest event time, as output event times are event times.
    run(static_cast<size_t>(timeout_handler_), entry.fields, key, {},
        process_.processing_time ? entry.last_event_ms : entry.deadline_ms, out, tallies);
  }
  drop(id, entry.indexed_ms);
}

void ProcessOperator::advance_watermark(int64_t watermark_ms, std::vector<StateOutput>& out, StateTallies& tallies) {
  watermark_.set(std::max(watermark_.get(), watermark_ms));
  if (process_.timeout_ms && !process_.processing_time) expire(watermark_.get(), out, tallies);
}

void ProcessOperator::advance_processing_time(int64_t now_ms, std::vector<StateOutput>& out, StateTallies& tallies) {
  if (process_.timeout_ms && process_.processing_time) expire(now_ms, out, tallies);
}

}  // namespace flow::runtime
