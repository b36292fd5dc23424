#pragma once
// Small text helpers used in error messages.
#include <cstddef>
#include <string>
#include <vector>

namespace ganrig {

// Levenshtein edit distance, for "did you mean" suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word`, or "" when none is plausibly a typo of it.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

std::string join(const std::vector<std::string>& items, const std::string& separator);

// `text` as quoted in a message: whole when short, else its start and its length, so a 20 MB value
// never floods a terminal or a log.
std::string shorten(const std::string& text, std::size_t max = 60);
// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);
// The first non-blank line of a (library's multi-line) message, for one-line errors.
std::string first_line(const std::string& text);

}  // namespace ganrig
