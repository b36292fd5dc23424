#pragma once
// What a dataset recipe (datasets/<name>.toml) may hold: its top level, [source] and [prepare].
// Header-only so `ganrig docs` can list it without linking the data tool (OpenCV).
#include "ganrig/schema.hpp"

namespace ganrig::data {

inline Schema recipe_schema() {
  Schema s;
  s.required("name", ValueType::String, "The recipe's name; must equal the file name.");
  s.required("description", ValueType::String, "What the images are.");
  s.required("licence", ValueType::String, "Their licence, as the source states it.");
  s.string("analogue", "", "Which paper dataset this stands in for, and how it differs.");
  s.integer("count", 0, "Images expected after preparation; 0: not checked.").range(0, 100000000);
  s.integers("resolutions", {}, "Resolutions prepared when --res is not given.").range(4, 4096);
  s.integer("channels", 3, "1 (grey) or 3 (RGB).").range(1, 3);
  s.table("source", "[source]: where the images come from (see recipe [source]).");
  s.table("prepare", "[prepare]: how they are prepared (see recipe [prepare]).");
  s.table("labels", "[labels]: class labels kept with the images (see recipe [labels]); none without it.");
  return s;
}

inline Schema recipe_labels_schema() {
  Schema s;
  s.required("from", ValueType::String,
             "\"folders\": each image's sub-folder; \"json\": dataset.json (stylegan2-ada's format); \"idx\": a gzip IDX "
             "label file.")
      .one_of({"folders", "json", "idx"});
  s.string("path", "", "from = \"idx\": the installed label file.");
  s.string("sha256", "", "from = \"idx\": its sha256 (64 lower-case hex digits).");
  s.strings("class_names", {}, "from = \"idx\": the name of each label value, in order.");
  return s;
}

inline Schema recipe_source_schema() {
  Schema s;
  s.required("registry", ValueType::String, "Where the package comes from.").one_of({"npm", "debian", "installed"});
  s.string("package", "", "Package name (npm, debian).");
  s.string("version", "", "Pinned package version (npm, debian).");
  s.required("sha256", ValueType::String, "sha256 of the package archive or installed file (64 lower-case hex digits).");
  s.string("path", "", "The installed file (registry = \"installed\").");
  s.string("include", "", "Glob of the files to use, relative to the extracted root ('*' stays within a folder).");
  s.strings("exclude", {}, "Globs of files to leave out.");
  s.string("format", "images", "\"images\": image files; \"idx\": gzip IDX (Fashion-MNIST).").one_of({"images", "idx"});
  return s;
}

inline Schema recipe_prepare_schema() {
  Schema s;
  s.integers("background", {255, 255, 255}, "RGB behind transparent pixels and letterbox bars.").range(0, 255).exactly(3);
  s.string("fit", "letterbox", "\"letterbox\": pad to a square; \"crop\": the centre square.").one_of({"letterbox", "crop"});
  s.integer("svg_size", 512, "SVGs are rasterised to this long side.").range(16, 8192);
  s.strings("steps", {}, "What preparation does, in words (for people).");
  return s;
}

}  // namespace ganrig::data
