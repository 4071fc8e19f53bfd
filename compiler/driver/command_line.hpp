// What flowc and flowrun share on the command line: version, colour choice, usage errors.
#pragma once

#include <string>
#include <string_view>

namespace flow::driver {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

std::string_view version();

enum class ColourChoice { Auto, Always, Never };

//! Parses `--color=WHEN` / `--colour=WHEN`; returns false if `arg` is not such a flag.
bool parse_colour_flag(std::string_view arg, ColourChoice& choice, bool& valid);

//! Whether diagnostics on stderr should be coloured.
bool use_colour(ColourChoice choice);

//! Prints "PROGRAM: MESSAGE" and the usage text to stderr; returns kExitUsage.
int usage_error(std::string_view program, std::string_view message, std::string_view usage);

}  // namespace flow::driver
