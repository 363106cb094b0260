#!/usr/bin/env python3
"""Writes the hand-made seeds of the engine target (fuzz/corpus/engine/seed-*).

Each seed is encoded for the decoder of fuzz/engine_fuzz.cpp; if that decoder changes, change
the encoders below with it and run this again (from the repository root):
    python3 fuzz/make_engine_seeds.py
Check what a seed does with BACKSTOP_FUZZ_TRACE=1 build/fuzz/fuzz/fuzz_engine <seed>.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "engine")
SIX, EIGHT, NINE, ZERO = 1, 2, 3, 0  # asset tags as engine_fuzz.cpp numbers them


def i64(value):  # FuzzInput::int64, exactly: selector 7 reads 8 raw bytes
    return bytes([7, 0]) + struct.pack("<q", value)


def header(accounts_max=4, slots=4, markets_max=3, fee=b"\x00\x01\x00\x01\x00", settlement=b"\x00",
           social=b"\x01\x00\x00"):
    # shape (not out of range), limits, fee capture (FixedShares{0, 0}), settlement, socialized loss
    return bytes([1, accounts_max - 2, slots - 1, markets_max - 1]) + fee + settlement + social


def world(assets, configs, accounts):
    # The decoder shuffles {0,1,2,3} with bytes below(4), below(3), below(2); pick bytes that
    # leave order[0..len(assets)) == assets (brute force over the 24 choices).
    for a in range(4):
        for b in range(3):
            for c in range(2):
                order = [0, 1, 2, 3]
                order[3], order[a] = order[a], order[3]
                order[2], order[b] = order[b], order[2]
                order[1], order[c] = order[c], order[1]
                if order[:len(assets)] == list(assets):
                    shuffle = bytes([a, b, c])
                    return shuffle + bytes([len(assets) - 1]) + b"".join(configs) + bytes([accounts - 2])
    raise ValueError(assets)


def config(maintenance=4, initial_add=4, penalty=3, discount=0, full_below=0, buffer=0, tick=0, lot=0,
           lots=0, staleness=0, status=None, tiers=1):
    # indexes into the tables of market_config_from: maintenance 4 = 5%, initial_add 4 = +5%,
    # penalty 3 = 1.5%, discount 3 = 1%, tick/lot 0 = 1, lots 0 = 10^9, staleness 0 = 60 s
    out = bytes([1, tiers - 1])
    for _ in range(4):
        out += bytes([maintenance, initial_add, 1])
    out += bytes([penalty, discount, full_below, buffer, tick, lot, lots, 0, staleness])
    out += bytes([1]) if status is None else bytes([0, status - 1])
    return out


def deposit(account, amount):
    return bytes([1, account]) + i64(amount)


def withdraw(account, amount):
    return bytes([3, account]) + i64(amount)


def mark(market, price, step_ms=1):
    # asset byte 1: the market's own; price mode 6: exact; time mode 0: now + step_ms (< 256)
    return bytes([4, market, 1, 6, 128]) + i64(price) + bytes([0, step_ms])


def advance(ms_times_1000):
    return bytes([6, 1, ms_times_1000])


def status(market, value):
    return bytes([7, market, value])


def funding(market, delta):
    return bytes([8, market, 0]) + i64(delta)


def trade(market, buyer, seller, size, price):
    return bytes([9, market, 1, buyer, seller, 6, 0]) + i64(size) + bytes([6, 128]) + i64(price)


def liquidate_due(liquidator, span):  # the first liquidatable account
    return bytes([12, 1, 0, liquidator, span])


def scan(span):
    return bytes([14, span])


def fund_deposit(amount):
    return bytes([15, 1]) + i64(amount)


def open_aux_fund():
    return bytes([15, 4]) + i64(0)


def aux_deposit(fund_id, amount):
    return bytes([15, fund_id << 4]) + i64(amount)


USDC = 10**6
seeds = {}

# One SIX market (price 100), Alice long 10 with 100 USDC, the mark falls to 80: a deficit of
# 100, no fund, ranked ADL on the maker's short.
s = header(social=b"\x01\x00\x00")  # RankedAdl<PnlTimesLeverage>(accounts_max + 0)
s += world([SIX], [config()], 4)
s += deposit(0, 100_000 * USDC) + deposit(1, 100 * USDC) + deposit(2, 100_000 * USDC)
s += mark(0, 100 * USDC) + trade(0, 1, 0, 10 * USDC, 100 * USDC) + mark(0, 80 * USDC)
s += scan(5) + liquidate_due(2, 5) + scan(5)
seeds["seed-deficit-ranked-adl"] = s

# The same with dYdX's random-start ADL and a fund that pays part of it.
s = header(settlement=b"\x02" + i64(30 * USDC) + i64(1_000 * USDC), social=b"\x01\x00\x02")
s += world([SIX], [config()], 4)
s += deposit(0, 100_000 * USDC) + deposit(1, 100 * USDC) + deposit(2, 100_000 * USDC) + fund_deposit(1_000 * USDC)
s += mark(0, 100 * USDC) + trade(0, 1, 0, 10 * USDC, 100 * USDC) + mark(0, 80 * USDC)
s += liquidate_due(2, 0)
seeds["seed-deficit-fund-then-random-adl"] = s

# Two markets (SIX, EIGHT). Alice long in both; EIGHT is halted, SIX falls: the halted position
# does not block the liquidation, a haircut takes the remainder from the maker.
s = header(social=b"\x01\x00\x03")  # ProRataHaircut
s += world([SIX, EIGHT], [config(), config()], 4)
s += deposit(0, 100_000 * USDC) + deposit(1, 200 * USDC) + deposit(2, 100_000 * USDC)
s += mark(0, 100 * USDC) + mark(1, 50_000 * USDC)
s += trade(0, 1, 0, 10 * USDC, 100 * USDC) + trade(1, 1, 0, 2_000_000, 50_000 * USDC)
s += status(1, 2) + mark(0, 70 * USDC) + liquidate_due(2, 3) + scan(4)
s += status(1, 0) + mark(1, 40_000 * USDC) + liquidate_due(2, 3)
seeds["seed-halted-market-haircut"] = s

# A stale market: its mark ages past 60 s while the other is refreshed.
s = header(social=b"\x01\x00\x00")
s += world([SIX, NINE], [config(), config(penalty=3, discount=3, buffer=2, lots=3)], 4)
s += deposit(0, 100_000 * USDC) + deposit(1, 300 * USDC) + deposit(2, 100_000 * USDC)
s += mark(0, 100 * USDC) + mark(1, 20 * USDC)
s += trade(0, 1, 0, 10 * USDC, 100 * USDC) + trade(1, 0, 1, 10 * 10**9, 20 * USDC)
s += advance(100) + mark(0, 68 * USDC) + liquidate_due(2, 4) + withdraw(1, 1)
seeds["seed-stale-market"] = s

# Funding socialization: the loss moves the indices apart; then a large funding update.
s = header(accounts_max=5, social=b"\x01\x00\x04\x01")
s += world([EIGHT], [config()], 5)
s += deposit(0, 100_000 * USDC) + deposit(1, 1_000 * USDC) + deposit(2, 100_000 * USDC) + deposit(3, 10_000 * USDC)
s += mark(0, 50_000 * USDC) + trade(0, 1, 0, 20_000_000, 50_000 * USDC) + trade(0, 3, 0, 1_000_000, 50_000 * USDC)
s += mark(0, 40_000 * USDC) + liquidate_due(2, 6) + funding(0, 10**15) + scan(6)
s += trade(0, 0, 3, 1_000_000, 40_000 * USDC)
seeds["seed-funding-socialization"] = s

# A clearing house: an auxiliary default fund pays the remainder.
s = header(social=b"\x01\x00\x05\x01" + i64(500 * USDC) + b"\x01\x28")
s += world([ZERO], [config(maintenance=5, initial_add=0, tick=3)], 4)
s += open_aux_fund() + aux_deposit(1, 1_000 * USDC)
s += deposit(0, 100_000 * USDC) + deposit(1, 500 * USDC) + deposit(2, 100_000 * USDC)
s += mark(0, 1_000 * 10**9) + trade(0, 1, 0, 5, 1_000 * 10**9) + mark(0, 800 * 10**9)
s += liquidate_due(2, 2)
seeds["seed-clearing-house"] = s

# Partial liquidation with tiers, a lot and a tick, buffer and discount (Drift-like).
s = header(social=b"\x01\x00\x01")
s += world([EIGHT, SIX], [config(tiers=3, penalty=2, discount=3, buffer=2, tick=4, lot=3),
                          config(maintenance=3, initial_add=3)], 4)
s += deposit(0, 1_000_000 * USDC) + deposit(1, 600 * USDC) + deposit(2, 1_000_000 * USDC)
s += mark(0, 50_000 * USDC) + mark(1, 10 * USDC)
s += trade(0, 1, 0, 10_000_000, 50_000 * USDC) + trade(0, 1, 0, 1_000_000, 49_000 * USDC)
s += trade(1, 0, 1, 100 * USDC, 10 * USDC)
s += mark(0, 46_500 * USDC) + mark(1, 10 * USDC) + liquidate_due(2, 1) + liquidate_due(2, 1)
seeds["seed-partial-tiers"] = s

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")
