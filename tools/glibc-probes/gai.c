#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <sys/socket.h>
/* stdin lines: FAMILY FLAGS(hex) NODE SERVICE [SOCKTYPE]; "-" = NULL; NODE/SERVICE unescape \xHH, \s space */
static char *unesc(char *s){ if(!strcmp(s,"-")) return NULL; char *o=s,*r=s; while(*r){ if(r[0]=='\\'&&r[1]=='x'){ char h[3]={r[2],r[3],0}; *o++=strtol(h,0,16); r+=4;} else if(r[0]=='\\'&&r[1]=='s'){*o++=' ';r+=2;} else *o++=*r++;} *o=0; return s;}
int main(void){
  char line[8192];
  while(fgets(line,sizeof line,stdin)){
    line[strcspn(line,"\n")]=0; if(!line[0]) continue;
    char fam[32],node[4096],serv[4096]; unsigned flags; int st=SOCK_STREAM;
    int n=sscanf(line,"%31s %x %4095s %4095s %d",fam,&flags,node,serv,&st);
    if(n<4){printf("bad line\n");continue;}
    struct addrinfo h; memset(&h,0,sizeof h);
    h.ai_family=!strcmp(fam,"inet")?AF_INET:!strcmp(fam,"inet6")?AF_INET6:AF_UNSPEC;
    h.ai_flags=flags; h.ai_socktype=st;
    struct addrinfo *res=0;
    printf("Q %s\n", line);
    int rc=getaddrinfo(unesc(node),unesc(serv),&h,&res);
    if(rc){printf("  rc=%d %s\n",rc,gai_strerror(rc));continue;}
    for(struct addrinfo *a=res;a;a=a->ai_next){
      char b[128]; unsigned port=0,scope=0;
      if(a->ai_family==AF_INET){struct sockaddr_in*s=(void*)a->ai_addr;inet_ntop(AF_INET,&s->sin_addr,b,sizeof b);port=ntohs(s->sin_port);}
      else {struct sockaddr_in6*s=(void*)a->ai_addr;inet_ntop(AF_INET6,&s->sin6_addr,b,sizeof b);port=ntohs(s->sin6_port);scope=s->sin6_scope_id;}
      printf("  %s port=%u scope=%u st=%d p=%d canon=%s\n",b,port,scope,a->ai_socktype,a->ai_protocol,a->ai_canonname?a->ai_canonname:"(null)");
    }
    freeaddrinfo(res);
  }
}
