// dialn: the tracer benchmark's Go client (bench/trace.sh). `dialn -serve ADDR` accepts and
// closes connections until killed; `dialn ADDR N` dials ADDR N times in sequence (net.Dial,
// Go's own non-blocking connect), closing each, and prints the loop's microseconds.
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-serve" {
		l, err := net.Listen("tcp", os.Args[2])
		if err != nil {
			panic(err)
		}
		for {
			c, err := l.Accept()
			if err == nil {
				c.Close()
			}
		}
	}
	n, _ := strconv.Atoi(os.Args[2])
	start := time.Now()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		c.Close()
	}
	fmt.Println(time.Since(start).Microseconds())
}
