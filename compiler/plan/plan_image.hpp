// The logical plan as bytes, complete: every member of every operator, expressions and handler
// bodies as trees. `flowc build` embeds it in the shared object and `flowrun run APP.so` reads it
// back, so running a built application parses no `.flow` text and plans nothing again. (The plan's
// JSON, docs/plan.md, is for people and tools: its expressions are source text.)
//
// Layout: the magic "FLOWPLAN", a format version (u32, little-endian), then the plan's members in
// declaration order: integers as LEB128 varints (zig-zag for signed), doubles as their 8 bytes,
// strings and sequences as a length then their elements, optionals as a presence byte. One
// function per structure (plan_image.cpp) describes both directions, so writer and reader cannot
// drift apart. Bump kPlanImageVersion whenever a member is added, removed or changes meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "compiler/plan/plan.hpp"

namespace flow::compiler::plan {

inline constexpr uint32_t kPlanImageVersion = 5;

std::string write_plan_image(const Plan& plan);

//! The plan `image` holds; nothing and `error` (what is wrong, at which byte) when it is not a
//! plan image of this version, is truncated or is malformed. Never trusts a length or a kind it
//! reads: a damaged image is an error, not a crash or a huge allocation; every expression has the
//! operands its kind takes. It does not check the plan again (names, indices, types): the image
//! comes from flowc inside a shared object whose checksum flowrun verifies first, and whose
//! machine code it runs anyway — a forged image is no more dangerous than forged machine code.
std::optional<Plan> read_plan_image(std::string_view image, std::string& error);

}  // namespace flow::compiler::plan
