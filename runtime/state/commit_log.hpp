// Where a state store's commits go too, before LevelDB takes them: its changelog topic
// (changelog.hpp). A commit hands the log every change of its LevelDB batch — the state, the
// offsets and the counts, as LevelDB stores them — and seals it; LevelDB takes the commit only once
// the log has acknowledged it (StateStore::prepare_commit, finish_commit), so the log is never
// behind the store.
#pragma once

#include <string>
#include <string_view>

namespace flow::runtime {

class CommitLog {
 public:
  virtual ~CommitLog() = default;
  //! One change of the commit under way: `key` set to `*value`, or deleted (null).
  virtual void add(std::string_view key, const std::string_view* value) = 0;
  //! Every change of the commit is added: it is sent, not yet acknowledged. An error text when
  //! it could not be sent. `position` is what the store keeps with the commit (where the log's
  //! next commit starts), so that at the next open the log's records past it are known to be a
  //! commit that did not land.
  virtual std::string seal(std::string& position) = 0;
  //! Whether Kafka has answered for everything sealed (acknowledged, or refused: wait() says).
  virtual bool acknowledged() const = 0;
  //! Waits until Kafka has answered for everything sealed (at once when it has): an error text
  //! when it does not in time, or refused a record.
  virtual std::string wait() = 0;
};

}  // namespace flow::runtime
