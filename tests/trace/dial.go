// dial: the Go client of tests/trace. Each argument is HOST:PORT, dialed in order with the
// net package (Go's own resolver and syscalls). Flags:
//   -n N      dial every address N times at once, from N goroutines
//   -child    also run this program again (os/exec) with the same addresses
//   -sleep D  sleep D before exiting (signal tests)
//   -exit C   exit with status C
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"time"
)

func dial(addr string) string {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "error " + addr
	}
	c.Close()
	return "ok " + addr
}

func main() {
	n := flag.Int("n", 1, "parallel dials per address")
	child := flag.Bool("child", false, "run a child with os/exec")
	sleep := flag.Duration("sleep", 0, "sleep before exit")
	code := flag.Int("exit", 0, "exit status")
	flag.Parse()
	for _, a := range flag.Args() {
		var wg sync.WaitGroup
		results := make([]string, *n)
		for i := 0; i < *n; i++ {
			wg.Add(1)
			go func(i int) { defer wg.Done(); results[i] = dial(a) }(i)
		}
		wg.Wait()
		for _, r := range results {
			fmt.Println(r)
		}
	}
	if *child {
		cmd := exec.Command(os.Args[0], flag.Args()...)
		cmd.Stdout = os.Stdout
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Println("child failed:", err)
		}
	}
	time.Sleep(*sleep)
	os.Exit(*code)
}
