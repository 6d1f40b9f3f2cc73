"""Board seats in companies and foundations the municipality owns (Oslo only; small loops)."""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from . import _names as names
from ._util import day, year_bounds
from .truths import Truths



def _board_list(n: int):
    boards = list(names.BOARD_NAMES[:n])
    places = list(names.OSLO_PLACES)
    i = 0
    while len(boards) < n:
        stem, form = names.BOARD_NAME_STEMS[i % len(names.BOARD_NAME_STEMS)]
        boards.append((stem.format(p=places[(i * 7) % len(places)]), form))
        i += 1
    return boards


def build_boards(rng: np.random.Generator, t: Truths, scale: str, years: range, departments: list[str],
                 top_pool: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]], next_pid: int):
    """Rows of the boards table and the next free person number.

    Seats (role, municipal or employee-elected) are fixed per board; each seat runs through terms of 2-4
    years from before the first year to the end of the data; at a term's end the holder is reappointed or
    replaced by a new member. Roles and backgrounds are integer codes in ``BOARD_ROLE`` / ``BACKGROUND`` order.

    ``top_pool``: year -> (person numbers, background codes, female flags) of the municipality's top leaders.
    """
    y0, y1 = years.start, years.stop - 1
    data_end = year_bounds(y1)[1]
    n_boards = t.boards_small if scale == "small" else t.boards_oslo
    w = np.array([4.0 if "næring og eierskap" in d else 3.0 if "finans" in d and len(departments) < 6 else 1.0
                  for d in departments])
    rows = []
    pid = next_pid

    def new_person():
        nonlocal pid
        pid += 1
        return pid - 1

    sizes = 3 + rng.choice(len(t.board_size_probs), size=n_boards, p=np.array(t.board_size_probs) / sum(t.board_size_probs))
    sizes[int(np.argmax(sizes))] = max(10, sizes.max())  # sizes always span 3 to 10+ members
    sizes[int(np.argmin(sizes))] = 3
    n_bad = max(1, int(round(t.board_noncompliant_share * n_boards)))
    noncompliant_boards = set(rng.choice(n_boards, size=n_bad, replace=False).tolist())
    for b, (bname, form) in enumerate(_board_list(n_boards)):
        owner = departments[int(rng.choice(len(departments), p=w / w.sum()))]
        size = int(sizes[b])
        deputies = int(rng.integers(0, 4))
        elected = int(rng.integers(1, 3)) if form in ("AS", "KF") and size >= 6 else 0
        roles = [0] + ([1] if size >= 4 else []) + [2] * (size - 1 - (size >= 4))
        municipal = [True] * (size - elected) + [False] * elected
        roles += [3] * deputies
        municipal += [True] * deputies
        noncompliant = b in noncompliant_boards
        n_seats = len(roles)
        gender = np.zeros(n_seats, bool)     # True = female, current holder
        holder = np.full(n_seats, -1, dtype=np.int64)
        heap = []
        for s in range(n_seats):
            L = 2 + int(rng.choice(3, p=t.board_term_probs))
            sy = y0 - int(rng.integers(1, L + 1))
            start = day(sy, int(rng.integers(4, 7)), int(rng.integers(1, 29)))
            heapq.heappush(heap, (start, s, L, True))
        # initial genders: balanced unless non-compliant
        if noncompliant:
            gender[:] = rng.random(n_seats) < 0.15
        else:
            main = [s for s in range(n_seats) if roles[s] < 3]
            f = rng.permutation(len(main)) < (len(main) + int(rng.integers(0, 2))) // 2
            gender[main] = f
            gender[[s for s in range(n_seats) if roles[s] == 3]] = rng.random(n_seats - len(main)) < 0.5
        bgs = np.zeros(n_seats, dtype=np.int8)
        early = np.zeros(n_seats, bool)
        while heap:
            start, s, L, initial = heapq.heappop(heap)
            if start > data_end:
                continue
            sy, sm, sd = _ymd(start)
            full_end = day(sy + L, sm, min(sd, 28)) - 1
            end = full_end
            if rng.random() < 0.05:  # early resignation
                end = start + int(rng.integers(100, max(101, full_end - start)))
            if initial:
                reappointed = bool(rng.random() < 0.5)  # carried over from before the data period
                p2 = t.board_initial_lbg2 if municipal[s] else t.board_employee_elected_lbg2
                bgs[s] = _draw_bg(rng, p2, t.board_lbg1)
            else:
                reappointed = (not early[s]) and bool(rng.random() < t.board_reappointment)
                if not reappointed:
                    if municipal[s]:
                        p2 = t.board_new_lbg2[1] if sy >= t.measures_start_year else t.board_new_lbg2[0]
                    else:
                        p2 = t.board_employee_elected_lbg2
                    bgs[s] = _draw_bg(rng, p2, t.board_lbg1)
                    if noncompliant:
                        gender[s] = rng.random() < 0.15
                    elif roles[s] < 3:
                        others = [o for o in range(n_seats) if o != s and roles[o] < 3]
                        women = int(gender[others].sum())
                        men = len(others) - women
                        minority_female = (women < men) if women != men else bool(rng.random() < 0.5)
                        gender[s] = minority_female if rng.random() < 0.9 else not minority_female
                    else:
                        gender[s] = rng.random() < 0.5
            if initial or not reappointed:
                holder[s] = -1
                if municipal[s] and rng.random() < t.board_internal_share:
                    pids, pbg, pfem = top_pool[min(max(sy, y0), y1)]
                    ok = np.flatnonzero((pbg == bgs[s]) & (pfem == gender[s]) & ~np.isin(pids, holder))
                    if len(ok):
                        holder[s] = pids[ok[int(rng.integers(0, len(ok)))]]
                if holder[s] < 0:
                    holder[s] = new_person()
            early[s] = end < full_end
            rows.append((int(holder[s]), b, bname, form, owner, municipal[s], roles[s], start,
                         end if end <= data_end else None, reappointed, bool(gender[s]), int(bgs[s])))
            L2 = 2 + int(rng.choice(3, p=t.board_term_probs))
            heapq.heappush(heap, (end + 1, s, L2, False))
    df = pd.DataFrame(rows, columns=["person", "board", "board_name", "company_form", "owner_department",
                                     "appointed_by_municipality", "role", "start", "end", "reappointed",
                                     "female", "bg"])
    return df, pid


def _draw_bg(rng, p_lbg2: float, p_lbg1: float) -> int:
    u = rng.random()
    return 2 if u < p_lbg2 else (1 if u < p_lbg2 + p_lbg1 else 0)


def _ymd(d: int) -> tuple[int, int, int]:
    s = str(np.datetime64(int(d), "D"))
    return int(s[:4]), int(s[5:7]), int(s[8:10])
