#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
/* stdin: one address per line as 32 hex digits; prints hex -> inet_ntop */
int main(void){ char l[256]; while(fgets(l,sizeof l,stdin)){ l[strcspn(l,"\n")]=0; unsigned char a[16]; if(strlen(l)!=32) continue;
 for(int i=0;i<16;i++){unsigned v; sscanf(l+2*i,"%2x",&v); a[i]=v;} char b[64]; inet_ntop(AF_INET6,a,b,sizeof b); printf("%s %s\n",l,b);} }
