#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
/* stdin: strings (\xHH escapes); prints inet_pton6 result and inet_pton4 */
static void unesc(char *s){ char *o=s,*r=s; while(*r){ if(r[0]=='\\'&&r[1]=='x'){ char h[3]={r[2],r[3],0}; *o++=strtol(h,0,16); r+=4;} else if(r[0]=='\\'&&r[1]=='s'){*o++=' ';r+=2;} else *o++=*r++;} *o=0;}
int main(void){ char l[4096]; while(fgets(l,sizeof l,stdin)){ l[strcspn(l,"\n")]=0; char orig[4096]; strcpy(orig,l); unesc(l);
 unsigned char a[16]; int r6=inet_pton(AF_INET6,l,a); printf("%s\t6:", orig); if(r6==1) for(int i=0;i<16;i++) printf("%02x",a[i]); else printf("-");
 int r4=inet_pton(AF_INET,l,a); printf("\t4:"); if(r4==1) printf("%u.%u.%u.%u",a[0],a[1],a[2],a[3]); else printf("-"); printf("\n"); } }
