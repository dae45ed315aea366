// Java connects a dual-stack IPv6 socket to ::ffff:a.b.c.d for every IPv4 destination.
//   java Mapped.java NAME PORT     prints "connected" once the connect succeeds
import java.net.Socket;

public class Mapped {
    public static void main(String[] args) throws Exception {
        try (Socket s = new Socket(args[0], Integer.parseInt(args[1]))) {
            System.out.println("connected");
        }
    }
}
