package taint

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"
)

// flatEnv is the plain model of env: every state a full map, copied on
// every fork and rebuilt on every join. env must agree with it exactly.
type flatEnv struct {
	vars  map[string]*Val
	masks map[int]uint16
	dead  bool
}

func (e *flatEnv) copy() *flatEnv {
	n := &flatEnv{vars: map[string]*Val{}, masks: map[int]uint16{}, dead: e.dead}
	for k, v := range e.vars {
		n.vars[k] = v
	}
	for k, v := range e.masks {
		n.masks[k] = v
	}
	return n
}

func (e *flatEnv) joinFrom(branches ...*flatEnv) {
	var live []*flatEnv
	for _, b := range branches {
		if !b.dead {
			live = append(live, b)
		}
	}
	if len(live) == 0 {
		e.dead = true
		return
	}
	n := live[0].copy()
	for _, b := range live[1:] {
		for k, v := range b.vars {
			n.vars[k] = join(n.vars[k], v)
		}
		for k, v := range b.masks {
			n.masks[k] |= v
		}
	}
	e.vars, e.masks, e.dead = n.vars, n.masks, false
}

// TestEnvMatchesFlatModel drives env and flatEnv through the same random
// forks, writes, kills and joins and requires the same value (equal
// structure, labels in the same order) for every name and mask.
func TestEnvMatchesFlatModel(t *testing.T) {
	srcs := []*Source{{What: "a"}, {What: "b"}, {What: "c"}}
	names := make([]string, 24)
	for i := range names {
		names[i] = fmt.Sprintf("v%d", i)
	}
	for seed := int64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewSource(seed))
		val := func() *Val {
			v := &Val{Clean: r.Intn(2) == 0, Key: r.Intn(3), Coll: r.Intn(2)}
			for _, s := range srcs {
				if r.Intn(3) == 0 {
					v.L = append(v.L, &Label{Src: s, Bits: uint16(1 + r.Intn(3))})
				}
			}
			return v
		}
		envs, flats := []*env{newEnv()}, []*flatEnv{{vars: map[string]*Val{}, masks: map[int]uint16{}}}
		for step := 0; step < 200; step++ {
			i := r.Intn(len(envs))
			switch op := r.Intn(10); {
			case op < 4:
				k, v := names[r.Intn(len(names))], val()
				envs[i].set(k, v)
				flats[i].vars[k] = v
			case op < 5:
				k, m := r.Intn(4), uint16(r.Intn(8))
				envs[i].setMask(k, m)
				flats[i].masks[k] = m
			case op < 7:
				envs, flats = append(envs, envs[i].copy()), append(flats, flats[i].copy())
			case op < 8:
				envs[i].dead, flats[i].dead = true, true
			default:
				var bs []*env
				var fs []*flatEnv
				for j := range envs {
					if r.Intn(3) == 0 {
						bs, fs = append(bs, envs[j]), append(fs, flats[j])
					}
				}
				envs[i].joinFrom(bs...)
				flats[i].joinFrom(fs...)
			}
			for j := range envs {
				if envs[j].dead != flats[j].dead {
					t.Fatalf("seed %d step %d: env %d dead=%v, model %v", seed, step, j, envs[j].dead, flats[j].dead)
				}
				for _, k := range names {
					got, ok := envs[j].get(k)
					want, wok := flats[j].vars[k]
					if ok != wok || !reflect.DeepEqual(got, want) {
						t.Fatalf("seed %d step %d: env %d %s = %+v (%v), model %+v (%v)", seed, step, j, k, got, ok, want, wok)
					}
				}
				for k := 0; k < 4; k++ {
					got, ok := envs[j].mask(k)
					want, wok := flats[j].masks[k]
					if ok != wok || got != want {
						t.Fatalf("seed %d step %d: env %d mask %d = %d (%v), model %d (%v)", seed, step, j, k, got, ok, want, wok)
					}
				}
			}
		}
	}
}

// TestJoinCostFollowsWrites: the join of an if/elif chain of k branches,
// each binding its own name and one shared name, with k names in scope
// before it, looks up O(k) values, not O(k²).
func TestJoinCostFollowsWrites(t *testing.T) {
	cost := func(k int) int {
		e := newEnv()
		for i := 0; i < k; i++ {
			e.set(fmt.Sprintf("before%d", i), &Val{})
		}
		e.set("x", &Val{})
		rest := e.copy()
		var branches []*env
		for i := 0; i < k; i++ {
			b := rest.copy()
			b.set(fmt.Sprintf("y%d", i), &Val{})
			b.set("x", &Val{Key: i})
			branches = append(branches, b)
		}
		return e.joinFrom(append(branches, rest)...)
	}
	small, large := cost(500), cost(2000)
	if large > 5*small {
		t.Errorf("a join of 4× the branches looked up %d values against %d: more than linear", large, small)
	}
}

// TestEnvChainsStayShallow: after n statements that each fork, bind a new
// name in one branch and join, every lookup reads through O(log n) layers.
func TestEnvChainsStayShallow(t *testing.T) {
	const n = 4096
	e := newEnv()
	for i := 0; i < n; i++ {
		then := e.copy()
		then.set(fmt.Sprintf("v%d", i), &Val{})
		e.joinFrom(then, e.copy())
	}
	depth := 0
	for l := e.base; l != nil; l = l.parent {
		depth++
	}
	if depth > 14 {
		t.Errorf("%d layers after %d joins; want at most log2(n)+2", depth, n)
	}
	if _, ok := e.get("v0"); !ok {
		t.Error("the first binding was lost")
	}
}
