// The regular-expression built-ins on RE2: regexp_matches, regexp_extract, regexp_replace,
// regexp_count and regexp_split. RE2 runs in time linear in the input, so no pattern can
// backtrack for minutes on hostile text. Compiled patterns live in a process-wide cache that is never emptied: it holds
// one entry per distinct pattern of the programs loaded, which the checker has all compiled.
#include <re2/re2.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "stdlib/arena.hpp"
#include "stdlib/flow_stdlib.h"
#include "stdlib/regex.hpp"
#include "stdlib/str_view.hpp"

using flow::stdlib::to_flow_str;
using flow::stdlib::to_view;

struct flow_regex {
  explicit flow_regex(std::string_view pattern) : re(re2::StringPiece(pattern.data(), pattern.size()), options()) {}

  static re2::RE2::Options options() {
    re2::RE2::Options o;
    o.set_log_errors(false);  // the checker reports the reason; RE2 would also print it to stderr
    return o;
  }

  re2::RE2 re;
};

namespace {

std::atomic<int64_t> lookups{0};

const flow_regex* cached(std::string_view pattern) {
  lookups.fetch_add(1, std::memory_order_relaxed);
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<flow_regex>, std::less<>> cache;
  std::lock_guard lock(mutex);
  auto at = cache.find(pattern);
  if (at == cache.end()) at = cache.emplace(std::string(pattern), std::make_unique<flow_regex>(pattern)).first;
  return at->second.get();
}

//! The compiled pattern of a call site: from its slot once filled, else from the cache. Threads
//! that race to fill a slot store the same cache entry.
const re2::RE2* resolve(const flow_regex** slot, flow_str pattern) noexcept {
  const flow_regex* regex = nullptr;
  if (slot == nullptr) {
    // No slot (the evaluator): this thread's map of the patterns it has used, in front of the
    // shared cache, so a call takes no lock once the thread has seen its pattern.
    thread_local std::map<std::string, const flow_regex*, std::less<>> seen;
    const std::string_view text = to_view(pattern);
    auto at = seen.find(text);
    if (at == seen.end()) at = seen.emplace(std::string(text), cached(text)).first;
    regex = at->second;
  } else {
    std::atomic_ref<const flow_regex*> filled(*slot);
    regex = filled.load(std::memory_order_acquire);
    if (regex == nullptr) {
      regex = cached(to_view(pattern));
      filled.store(regex, std::memory_order_release);
    }
  }
  return regex->re.ok() ? &regex->re : nullptr;
}

re2::StringPiece piece(std::string_view text) { return {text.data(), text.size()}; }

//! The text of `s` with a non-NULL `data` even when empty: RE2 reports a group that took no part
//! in the match with a NULL `data`, which must not be confused with an empty match.
std::string_view text_of(flow_str s) noexcept {
  const std::string_view text = to_view(s);
  return text.empty() ? std::string_view("", 0) : text;
}

//! Bytes of the character at `text[at]` as RE2::GlobalReplace steps over it: a well-formed,
//! shortest-form UTF-8 sequence up to U+10FFFF is one step, any other byte a step of its own.
std::size_t rune_size(std::string_view text, std::size_t at) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const std::size_t left = text.size() - at;
  const unsigned char lead = byte(0);
  std::size_t size = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF8 ? 4 : 1;
  if (size == 1 || size > left) return 1;
  uint32_t rune = lead & (0x7F >> size);
  for (std::size_t i = 1; i < size; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 1;
    rune = (rune << 6) | (byte(i) & 0x3F);
  }
  constexpr uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  return rune < smallest[size] || rune > 0x10FFFF ? 1 : size;
}

//! Calls `on_match(groups)` for each match RE2::GlobalReplace would replace, left to right:
//! non-overlapping, and an empty match right after the previous match is skipped by one
//! character. Matching always sees the whole text, so `^`, `$` and `\b` read the context.
template <typename OnMatch>
void for_each_match(const re2::RE2& re, std::string_view text, re2::StringPiece* groups, int count,
                    OnMatch on_match) {
  const re2::StringPiece whole = piece(text);
  std::size_t at = 0;
  const char* last_end = nullptr;
  while (at <= text.size()) {
    if (!re.Match(whole, at, text.size(), re2::RE2::UNANCHORED, groups, count)) break;
    const re2::StringPiece match = groups[0];
    if (match.empty() && match.data() == last_end) {
      if (at >= text.size()) break;
      at += rune_size(text, at);
      continue;
    }
    on_match(groups);
    at = static_cast<std::size_t>(match.data() - text.data()) + match.size();
    last_end = match.data() + match.size();
  }
}

//! 1 + the highest group `replacement` names (`\3` -> 4), so that matching fills only those.
int groups_named(std::string_view replacement) noexcept {
  int highest = 0;
  for (std::size_t i = 0; i + 1 < replacement.size(); ++i) {
    if (replacement[i] != '\\') continue;
    char next = replacement[++i];
    if (next >= '0' && next <= '9') highest = std::max(highest, next - '0');
  }
  return highest + 1;
}

}  // namespace

namespace flow::stdlib {

RegexInfo compile_regex(std::string_view pattern) {
  RegexInfo info;
  OwnedRegex regex = compile_owned_regex(pattern);
  if (!regex->re.ok()) {
    // RE2's error() is "REASON: FRAGMENT".
    info.fragment = regex->re.error_arg();
    info.error = regex->re.error();
    const std::string tail = ": " + info.fragment;
    if (!info.fragment.empty() && info.error.ends_with(tail)) info.error.resize(info.error.size() - tail.size());
    info.too_large = regex->re.error_code() == re2::RE2::ErrorPatternTooLarge;
    return info;
  }
  info.ok = true;
  info.groups = regex->re.NumberOfCapturingGroups();
  return info;
}

void RegexDeleter::operator()(const flow_regex* regex) const noexcept { std::default_delete<const flow_regex>()(regex); }

OwnedRegex compile_owned_regex(std::string_view pattern) {
  return OwnedRegex(std::make_unique<flow_regex>(pattern).release());
}

int64_t regex_cache_lookups() noexcept { return lookups.load(std::memory_order_relaxed); }

std::string check_replacement(std::string_view replacement, int groups) {
  for (std::size_t i = 0; i < replacement.size(); ++i) {
    if (replacement[i] != '\\') continue;
    if (i + 1 == replacement.size())
      return "the replacement ends with a lone `\\`; write `\\\\` for a backslash";
    char next = replacement[++i];
    if (next == '\\') continue;
    if (next < '0' || next > '9')
      return std::string("`\\") + next + "` is not an escape of a replacement: `\\0` to `\\9` insert a group, " +
             "`\\\\` a backslash";
    if (next - '0' > groups)
      return std::string("`\\") + next + "` names group " + next + ", but the pattern has " +
             std::to_string(groups) + (groups == 1 ? " capturing group" : " capturing groups");
  }
  return {};
}

}  // namespace flow::stdlib

extern "C" {

flow_bool flow_regex_matches(const flow_regex** slot, flow_str pattern, flow_str s) noexcept {
  const re2::RE2* re = resolve(slot, pattern);
  const std::string_view text = text_of(s);
  return re != nullptr && re->Match(piece(text), 0, text.size(), re2::RE2::UNANCHORED, nullptr, 0) ? 1 : 0;
}

flow_str flow_regex_extract(const flow_regex** slot, flow_str pattern, flow_str s, int64_t group) noexcept {
  constexpr flow_str no_value{"", -1};
  const re2::RE2* re = resolve(slot, pattern);
  if (re == nullptr || group < 0 || group > re->NumberOfCapturingGroups()) return no_value;
  const std::string_view text = text_of(s);
  // Groups on the stack; a pattern with more than 16 uses this thread's buffer, grown once.
  re2::StringPiece small[16];
  thread_local std::vector<re2::StringPiece> large;
  const int count = static_cast<int>(group) + 1;
  re2::StringPiece* groups = small;
  if (count > 16) {
    if (large.size() < static_cast<std::size_t>(count)) large.resize(static_cast<std::size_t>(count));
    groups = large.data();
  }
  if (!re->Match(piece(text), 0, text.size(), re2::RE2::UNANCHORED, groups, count)) return no_value;
  const re2::StringPiece& found = groups[group];
  if (found.data() == nullptr) return no_value;  // an optional group that did not take part
  return to_flow_str({found.data(), found.size()});
}

flow_str flow_regex_replace(flow_arena* arena, const flow_regex** slot, flow_str pattern, flow_str s,
                            flow_str replacement) noexcept {
  const re2::RE2* re = resolve(slot, pattern);
  const std::string_view text = text_of(s);
  if (re == nullptr) return to_flow_str(text);
  const std::string_view rewrite = to_view(replacement);
  re2::StringPiece groups[10];
  const int count = std::min(groups_named(rewrite), 1 + re->NumberOfCapturingGroups());
  flow::stdlib::ArenaWriter out(arena);
  std::size_t copied = 0;
  bool replaced = false;
  for_each_match(*re, text, groups, count, [&](const re2::StringPiece* found) {
    replaced = true;
    const std::size_t start = static_cast<std::size_t>(found[0].data() - text.data());
    out.append(text.substr(copied, start - copied));
    for (std::size_t i = 0; i < rewrite.size(); ++i) {
      char c = rewrite[i];
      if (c == '\\' && i + 1 < rewrite.size()) {
        char next = rewrite[++i];
        if (next >= '0' && next <= '9') {
          if (next - '0' < count) out.append(std::string_view(found[next - '0'].data(), found[next - '0'].size()));
          continue;
        }
        c = next;  // `\\`: the checker lets no other escape through
      }
      out.append(c);
    }
    copied = start + found[0].size();
  });
  if (!replaced) return to_flow_str(text);
  out.append(text.substr(copied));
  return out.finish();
}

int64_t flow_regex_count(const flow_regex** slot, flow_str pattern, flow_str s) noexcept {
  const re2::RE2* re = resolve(slot, pattern);
  if (re == nullptr) return 0;
  int64_t matches = 0;
  re2::StringPiece whole_match[1];
  for_each_match(*re, text_of(s), whole_match, 1, [&](const re2::StringPiece*) { ++matches; });
  return matches;
}

flow_str_list flow_regex_split(flow_arena* arena, const flow_regex** slot, flow_str pattern, flow_str s) noexcept {
  const re2::RE2* re = resolve(slot, pattern);
  const std::string_view text = text_of(s);
  flow::stdlib::StrListWriter out(arena);
  std::size_t begin = 0;
  if (re != nullptr) {
    re2::StringPiece whole_match[1];
    for_each_match(*re, text, whole_match, 1, [&](const re2::StringPiece* found) {
      const std::size_t start = static_cast<std::size_t>(found[0].data() - text.data());
      out.append(text.substr(begin, start - begin));
      begin = start + found[0].size();
    });
  }
  out.append(text.substr(begin));
  return out.finish();
}

}  // extern "C"
