// Philox4x32-10 and Philox4x64-10 (Salmon et al., SC11), our own, in engines with the shape of
// C++26 std::philox_engine (P2075, [rand.eng.philox]). Random123 (Debian librandom123-dev) is the
// reference the tests hold it to, not a dependency: its headers pulled <iostream> and every x86
// intrinsic into each translation unit of the lab.
//
// Why Philox: it is counter-based, output = bijection(counter, key) with no hidden state, so the
// lab can produce the draw at any (seed, path, step, draw) on any thread in any order and still
// get bit-identical results (brief section 6, style.md 1.9).
//
// How the C++26 engine maps onto the blocks (checked by the known-answer tests, which pass only
// with this mapping): the seed is key word 0 (key word 1 is 0); the counter X is a 4-word integer
// whose word 0 is the least significant and is Random123's ctr[0] (the word r123array::incr()
// bumps first); a block Y = Philox(K, X) is returned in Random123's word order Y[0], Y[1], Y[2],
// Y[3]; and set_counter takes the counter most significant word first (X_j = c[3 - j]).
#pragma once

#include "backstop/core/assert.hpp"
#include "backstop/core/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace backstop::risk {

// A Philox block and its key, word 0 first (Random123's order; word 0 is least significant).
template <class Word>
using PhiloxCounter = std::array<Word, 4>;
template <class Word>
using PhiloxKey = std::array<Word, 2>;

namespace detail {

// Philox's constants (Salmon et al., SC11; the values Random123 and C++26 use): the round
// multipliers and the Weyl increments of the key.
template <class Word>
struct PhiloxConstants;
template <>
struct PhiloxConstants<std::uint32_t> {
    static constexpr std::uint32_t multiplier0 = 0xD2511F53u;
    static constexpr std::uint32_t multiplier1 = 0xCD9E8D57u;
    static constexpr std::uint32_t weyl0 = 0x9E3779B9u;
    static constexpr std::uint32_t weyl1 = 0xBB67AE85u;
};
template <>
struct PhiloxConstants<std::uint64_t> {
    static constexpr std::uint64_t multiplier0 = 0xD2E7470EE14C6C93u;
    static constexpr std::uint64_t multiplier1 = 0xCA5A826395121157u;
    static constexpr std::uint64_t weyl0 = 0x9E3779B97F4A7C15u;
    static constexpr std::uint64_t weyl1 = 0xBB67AE8584CAA73Bu;
};

// The high and the low word of a x b.
inline void multiply_high_low(std::uint32_t a, std::uint32_t b, std::uint32_t& high, std::uint32_t& low) noexcept {
    const std::uint64_t product = std::uint64_t{a} * b;
    high = static_cast<std::uint32_t>(product >> 32);
    low = static_cast<std::uint32_t>(product);
}
inline void multiply_high_low(std::uint64_t a, std::uint64_t b, std::uint64_t& high, std::uint64_t& low) noexcept {
    const backstop::detail::uint128 product = backstop::detail::uint128{a} * b;
    high = static_cast<std::uint64_t>(product >> 64);
    low = static_cast<std::uint64_t>(product);
}

// counter += amount, as a 4-word integer that wraps at 2^(4w) like the standard's Z.
template <class Word>
void add_to_counter(PhiloxCounter<Word>& counter, unsigned long long amount) noexcept {
    constexpr int word_bits = std::numeric_limits<Word>::digits;
    unsigned long long rest = amount;
    Word carry = 0;
    for (std::size_t j = 0; j < counter.size(); ++j) {
        const Word addend = static_cast<Word>(rest);
        if constexpr (word_bits < std::numeric_limits<unsigned long long>::digits) {
            rest >>= word_bits;
        } else {
            rest = 0;
        }
        const Word partial = static_cast<Word>(counter[j] + addend);
        const Word sum = static_cast<Word>(partial + carry);
        carry = static_cast<Word>((partial < addend ? 1 : 0) + (sum < carry ? 1 : 0));
        counter[j] = sum;
    }
    BACKSTOP_ASSERT(rest == 0, "the whole amount was added");
}

}  // namespace detail

// Philox4xW-10 as a pure function: the block for one (counter, key). Ten rounds, the key bumped
// by the Weyl increments between them; a round maps (x0, x1, x2, x3) to
// (hi(M1 x2) ^ x1 ^ k0, lo(M1 x2), hi(M0 x0) ^ x3 ^ k1, lo(M0 x0)), Random123's order, which its
// known-answer vectors and a comparison with Random123 itself check (risk/philox_test.cpp).
template <class Word>
PhiloxCounter<Word> philox_block(const PhiloxCounter<Word>& counter, const PhiloxKey<Word>& key) noexcept {
    using Constants = detail::PhiloxConstants<Word>;
    PhiloxCounter<Word> x = counter;
    PhiloxKey<Word> k = key;
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k[0] = static_cast<Word>(k[0] + Constants::weyl0);
            k[1] = static_cast<Word>(k[1] + Constants::weyl1);
        }
        Word high0 = 0;
        Word low0 = 0;
        Word high1 = 0;
        Word low1 = 0;
        detail::multiply_high_low(Constants::multiplier0, x[0], high0, low0);
        detail::multiply_high_low(Constants::multiplier1, x[2], high1, low1);
        x = {static_cast<Word>(high1 ^ x[1] ^ k[0]), low1, static_cast<Word>(high0 ^ x[3] ^ k[1]), low0};
    }
    return x;
}

// std::philox_engine<Word, w, 4, 10, ...> with Random123's constants, in C++17. Members follow
// [rand.eng.philox]: state K (key), X (counter), Y (last block), i (index into Y). No seed_seq
// constructor and no stream operators: the lab seeds with integers and never serialises engines.
template <class Word>
class PhiloxEngine {
    static_assert(std::is_same<Word, std::uint32_t>::value ||
                      std::is_same<Word, std::uint64_t>::value,
                  "Philox4x32 or Philox4x64");

public:
    using result_type = Word;

    static constexpr std::size_t word_size = static_cast<std::size_t>(
        std::numeric_limits<Word>::digits);
    static constexpr std::size_t word_count = 4;
    static constexpr std::size_t round_count = 10;
    static constexpr result_type default_seed = 20111115u;

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<Word>::max(); }

    PhiloxEngine() noexcept : PhiloxEngine(default_seed) {}
    explicit PhiloxEngine(result_type value) noexcept { seed(value); }

    // K_0 = value, other key words and the whole counter 0; the next call computes block 0.
    void seed(result_type value = default_seed) noexcept {
        key_ = {value, 0};
        counter_ = {};
        block_ = {};
        index_ = word_count - 1;
    }

    // counter[0] is the most significant word (X_j = counter[3 - j]), as the standard says.
    void set_counter(const std::array<result_type, word_count>& counter) noexcept {
        for (std::size_t j = 0; j < word_count; ++j) counter_[j] = counter[word_count - 1 - j];
        index_ = word_count - 1;
    }

    result_type operator()() noexcept {
        ++index_;
        if (index_ == word_count) {
            generate_block();
            index_ = 0;
        }
        BACKSTOP_ASSERT(index_ < word_count, "index within the block");
        return block_[index_];
    }

    // The same state as `count` calls of operator(), in constant time: only the last block
    // skipped into is computed.
    void discard(unsigned long long count) noexcept {
        const unsigned long long within = index_ + count % word_count;
        const unsigned long long blocks = count / word_count + within / word_count;
        index_ = static_cast<std::size_t>(within % word_count);
        if (blocks == 0) return;
        detail::add_to_counter(counter_, blocks - 1);
        generate_block();
        BACKSTOP_ASSERT(index_ < word_count, "index within the block");
    }

    // Equal state means equal future output: Y is a function of K and X whenever i < 3.
    friend bool operator==(const PhiloxEngine& a, const PhiloxEngine& b) noexcept {
        return a.key_ == b.key_ && a.counter_ == b.counter_ && a.index_ == b.index_;
    }
    friend bool operator!=(const PhiloxEngine& a, const PhiloxEngine& b) noexcept {
        return !(a == b);
    }

private:
    // Y = Philox(K, X), then X = X + 1 (the standard's transition when i wraps).
    void generate_block() noexcept {
        block_ = philox_block(counter_, key_);
        detail::add_to_counter(counter_, 1);
    }

    PhiloxKey<Word> key_{};
    PhiloxCounter<Word> counter_{};
    PhiloxCounter<Word> block_{};
    std::size_t index_ = word_count - 1;
};

using Philox4x32Engine = PhiloxEngine<std::uint32_t>;
using Philox4x64Engine = PhiloxEngine<std::uint64_t>;

}  // namespace backstop::risk
