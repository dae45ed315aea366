#include <stdio.h>
#include <string.h>
#include <netdb.h>
#include <arpa/inet.h>
int main(int argc,char**argv){ for(int i=1;i<argc;i++){ char h[1025]; int rc;
 if(strchr(argv[i],':')){ struct sockaddr_in6 s={0}; s.sin6_family=AF_INET6; inet_pton(AF_INET6,argv[i],&s.sin6_addr); rc=getnameinfo((void*)&s,sizeof s,h,sizeof h,0,0,NI_NAMEREQD);}
 else { struct sockaddr_in s={0}; s.sin_family=AF_INET; inet_pton(AF_INET,argv[i],&s.sin_addr); rc=getnameinfo((void*)&s,sizeof s,h,sizeof h,0,0,NI_NAMEREQD);}
 printf("%s -> %s\n",argv[i], rc?gai_strerror(rc):h);} }
