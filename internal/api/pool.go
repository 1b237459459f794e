package api

import "sync"

// pool is a typed sync.Pool.
type pool[T any] struct {
	p     sync.Pool
	newFn func() T
}

func (p *pool[T]) Get() T {
	if v, ok := p.p.Get().(T); ok {
		return v
	}
	return p.newFn()
}

func (p *pool[T]) Put(v T) {
	if b, ok := any(v).(interface{ Reset() }); ok {
		b.Reset()
	}
	p.p.Put(v)
}
